// Short names for the generated wire types used across the broker API (re-exports only).
export type { AgentServiceClient, AgentServiceDefinition, AgentServiceHandlers } from "./generated/isthmus/broker/v1/AgentService.js";
export type { AdminServiceClient, AdminServiceDefinition, AdminServiceHandlers } from "./generated/isthmus/broker/v1/AdminService.js";
export type { Change as WireChange, Change__Output as WireChangeOutput } from "./generated/isthmus/broker/v1/Change.js";
export type { Cluster as WireCluster, Cluster__Output as WireClusterOutput } from "./generated/isthmus/broker/v1/Cluster.js";
export type { ClusterSpec as WireClusterSpec, ClusterSpec__Output as WireClusterSpecOutput } from "./generated/isthmus/broker/v1/ClusterSpec.js";
export type {
  ConnectionStatus as WireConnectionStatus,
  ConnectionStatus__Output as WireConnectionStatusOutput,
} from "./generated/isthmus/broker/v1/ConnectionStatus.js";
export type {
  GatewayEndpoint as WireGatewayEndpoint,
  GatewayEndpoint__Output as WireGatewayEndpointOutput,
} from "./generated/isthmus/broker/v1/GatewayEndpoint.js";
export type { Kind__Output as WireKind } from "./generated/isthmus/broker/v1/Kind.js";
export type { PublishRequest as WirePublishRequest, PublishRequest__Output as WirePublishRequestOutput } from "./generated/isthmus/broker/v1/PublishRequest.js";
export type { PublishResponse as WirePublishResponse, PublishResponse__Output as WirePublishResponseOutput } from "./generated/isthmus/broker/v1/PublishResponse.js";
export type { Record as WireRecord, Record__Output as WireRecordOutput } from "./generated/isthmus/broker/v1/Record.js";
export type { ServiceExport as WireServiceExport, ServiceExport__Output as WireServiceExportOutput } from "./generated/isthmus/broker/v1/ServiceExport.js";
export type { WorkloadSet as WireWorkloadSet, WorkloadSet__Output as WireWorkloadSetOutput } from "./generated/isthmus/broker/v1/WorkloadSet.js";
export type { TokenInfo as WireTokenInfo, TokenInfo__Output as WireTokenInfoOutput } from "./generated/isthmus/broker/v1/TokenInfo.js";
export type { WatchEvent as WireWatchEvent, WatchEvent__Output as WireWatchEventOutput } from "./generated/isthmus/broker/v1/WatchEvent.js";
export type { WatchRequest as WireWatchRequest, WatchRequest__Output as WireWatchRequestOutput } from "./generated/isthmus/broker/v1/WatchRequest.js";
export type { JoinRequest as WireJoinRequest, JoinRequest__Output as WireJoinRequestOutput } from "./generated/isthmus/broker/v1/JoinRequest.js";
export type { JoinResponse as WireJoinResponse, JoinResponse__Output as WireJoinResponseOutput } from "./generated/isthmus/broker/v1/JoinResponse.js";
export type { GetBrokerInfoResponse__Output as WireBrokerInfo } from "./generated/isthmus/broker/v1/GetBrokerInfoResponse.js";

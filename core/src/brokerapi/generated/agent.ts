import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AgentServiceClient as _isthmus_broker_v1_AgentServiceClient, AgentServiceDefinition as _isthmus_broker_v1_AgentServiceDefinition } from './isthmus/broker/v1/AgentService.js';
import type { Change as _isthmus_broker_v1_Change, Change__Output as _isthmus_broker_v1_Change__Output } from './isthmus/broker/v1/Change.js';
import type { ChangeBatch as _isthmus_broker_v1_ChangeBatch, ChangeBatch__Output as _isthmus_broker_v1_ChangeBatch__Output } from './isthmus/broker/v1/ChangeBatch.js';
import type { Cluster as _isthmus_broker_v1_Cluster, Cluster__Output as _isthmus_broker_v1_Cluster__Output } from './isthmus/broker/v1/Cluster.js';
import type { ClusterSpec as _isthmus_broker_v1_ClusterSpec, ClusterSpec__Output as _isthmus_broker_v1_ClusterSpec__Output } from './isthmus/broker/v1/ClusterSpec.js';
import type { ConnectionStatus as _isthmus_broker_v1_ConnectionStatus, ConnectionStatus__Output as _isthmus_broker_v1_ConnectionStatus__Output } from './isthmus/broker/v1/ConnectionStatus.js';
import type { GatewayEndpoint as _isthmus_broker_v1_GatewayEndpoint, GatewayEndpoint__Output as _isthmus_broker_v1_GatewayEndpoint__Output } from './isthmus/broker/v1/GatewayEndpoint.js';
import type { GlobalEgressIp as _isthmus_broker_v1_GlobalEgressIp, GlobalEgressIp__Output as _isthmus_broker_v1_GlobalEgressIp__Output } from './isthmus/broker/v1/GlobalEgressIp.js';
import type { Heartbeat as _isthmus_broker_v1_Heartbeat, Heartbeat__Output as _isthmus_broker_v1_Heartbeat__Output } from './isthmus/broker/v1/Heartbeat.js';
import type { JoinRequest as _isthmus_broker_v1_JoinRequest, JoinRequest__Output as _isthmus_broker_v1_JoinRequest__Output } from './isthmus/broker/v1/JoinRequest.js';
import type { JoinResponse as _isthmus_broker_v1_JoinResponse, JoinResponse__Output as _isthmus_broker_v1_JoinResponse__Output } from './isthmus/broker/v1/JoinResponse.js';
import type { PublishRequest as _isthmus_broker_v1_PublishRequest, PublishRequest__Output as _isthmus_broker_v1_PublishRequest__Output } from './isthmus/broker/v1/PublishRequest.js';
import type { PublishResponse as _isthmus_broker_v1_PublishResponse, PublishResponse__Output as _isthmus_broker_v1_PublishResponse__Output } from './isthmus/broker/v1/PublishResponse.js';
import type { Record as _isthmus_broker_v1_Record, Record__Output as _isthmus_broker_v1_Record__Output } from './isthmus/broker/v1/Record.js';
import type { RttStats as _isthmus_broker_v1_RttStats, RttStats__Output as _isthmus_broker_v1_RttStats__Output } from './isthmus/broker/v1/RttStats.js';
import type { ServiceEndpoint as _isthmus_broker_v1_ServiceEndpoint, ServiceEndpoint__Output as _isthmus_broker_v1_ServiceEndpoint__Output } from './isthmus/broker/v1/ServiceEndpoint.js';
import type { ServiceExport as _isthmus_broker_v1_ServiceExport, ServiceExport__Output as _isthmus_broker_v1_ServiceExport__Output } from './isthmus/broker/v1/ServiceExport.js';
import type { ServicePort as _isthmus_broker_v1_ServicePort, ServicePort__Output as _isthmus_broker_v1_ServicePort__Output } from './isthmus/broker/v1/ServicePort.js';
import type { SnapshotChunk as _isthmus_broker_v1_SnapshotChunk, SnapshotChunk__Output as _isthmus_broker_v1_SnapshotChunk__Output } from './isthmus/broker/v1/SnapshotChunk.js';
import type { UnaddressedExport as _isthmus_broker_v1_UnaddressedExport, UnaddressedExport__Output as _isthmus_broker_v1_UnaddressedExport__Output } from './isthmus/broker/v1/UnaddressedExport.js';
import type { WatchEvent as _isthmus_broker_v1_WatchEvent, WatchEvent__Output as _isthmus_broker_v1_WatchEvent__Output } from './isthmus/broker/v1/WatchEvent.js';
import type { WatchRequest as _isthmus_broker_v1_WatchRequest, WatchRequest__Output as _isthmus_broker_v1_WatchRequest__Output } from './isthmus/broker/v1/WatchRequest.js';
import type { WorkloadPod as _isthmus_broker_v1_WorkloadPod, WorkloadPod__Output as _isthmus_broker_v1_WorkloadPod__Output } from './isthmus/broker/v1/WorkloadPod.js';
import type { WorkloadSet as _isthmus_broker_v1_WorkloadSet, WorkloadSet__Output as _isthmus_broker_v1_WorkloadSet__Output } from './isthmus/broker/v1/WorkloadSet.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  isthmus: {
    broker: {
      v1: {
        AgentService: SubtypeConstructor<typeof grpc.Client, _isthmus_broker_v1_AgentServiceClient> & { service: _isthmus_broker_v1_AgentServiceDefinition }
        Change: MessageTypeDefinition<_isthmus_broker_v1_Change, _isthmus_broker_v1_Change__Output>
        ChangeBatch: MessageTypeDefinition<_isthmus_broker_v1_ChangeBatch, _isthmus_broker_v1_ChangeBatch__Output>
        ChangeType: EnumTypeDefinition
        Cluster: MessageTypeDefinition<_isthmus_broker_v1_Cluster, _isthmus_broker_v1_Cluster__Output>
        ClusterSpec: MessageTypeDefinition<_isthmus_broker_v1_ClusterSpec, _isthmus_broker_v1_ClusterSpec__Output>
        ConnectionStatus: MessageTypeDefinition<_isthmus_broker_v1_ConnectionStatus, _isthmus_broker_v1_ConnectionStatus__Output>
        GatewayEndpoint: MessageTypeDefinition<_isthmus_broker_v1_GatewayEndpoint, _isthmus_broker_v1_GatewayEndpoint__Output>
        GlobalEgressIp: MessageTypeDefinition<_isthmus_broker_v1_GlobalEgressIp, _isthmus_broker_v1_GlobalEgressIp__Output>
        Heartbeat: MessageTypeDefinition<_isthmus_broker_v1_Heartbeat, _isthmus_broker_v1_Heartbeat__Output>
        JoinRequest: MessageTypeDefinition<_isthmus_broker_v1_JoinRequest, _isthmus_broker_v1_JoinRequest__Output>
        JoinResponse: MessageTypeDefinition<_isthmus_broker_v1_JoinResponse, _isthmus_broker_v1_JoinResponse__Output>
        Kind: EnumTypeDefinition
        PublishRequest: MessageTypeDefinition<_isthmus_broker_v1_PublishRequest, _isthmus_broker_v1_PublishRequest__Output>
        PublishResponse: MessageTypeDefinition<_isthmus_broker_v1_PublishResponse, _isthmus_broker_v1_PublishResponse__Output>
        Record: MessageTypeDefinition<_isthmus_broker_v1_Record, _isthmus_broker_v1_Record__Output>
        RttStats: MessageTypeDefinition<_isthmus_broker_v1_RttStats, _isthmus_broker_v1_RttStats__Output>
        ServiceEndpoint: MessageTypeDefinition<_isthmus_broker_v1_ServiceEndpoint, _isthmus_broker_v1_ServiceEndpoint__Output>
        ServiceExport: MessageTypeDefinition<_isthmus_broker_v1_ServiceExport, _isthmus_broker_v1_ServiceExport__Output>
        ServicePort: MessageTypeDefinition<_isthmus_broker_v1_ServicePort, _isthmus_broker_v1_ServicePort__Output>
        SnapshotChunk: MessageTypeDefinition<_isthmus_broker_v1_SnapshotChunk, _isthmus_broker_v1_SnapshotChunk__Output>
        UnaddressedExport: MessageTypeDefinition<_isthmus_broker_v1_UnaddressedExport, _isthmus_broker_v1_UnaddressedExport__Output>
        WatchEvent: MessageTypeDefinition<_isthmus_broker_v1_WatchEvent, _isthmus_broker_v1_WatchEvent__Output>
        WatchRequest: MessageTypeDefinition<_isthmus_broker_v1_WatchRequest, _isthmus_broker_v1_WatchRequest__Output>
        WorkloadPod: MessageTypeDefinition<_isthmus_broker_v1_WorkloadPod, _isthmus_broker_v1_WorkloadPod__Output>
        WorkloadSet: MessageTypeDefinition<_isthmus_broker_v1_WorkloadSet, _isthmus_broker_v1_WorkloadSet__Output>
      }
    }
  }
}


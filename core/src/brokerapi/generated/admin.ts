import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AdminServiceClient as _isthmus_broker_v1_AdminServiceClient, AdminServiceDefinition as _isthmus_broker_v1_AdminServiceDefinition } from './isthmus/broker/v1/AdminService.js';
import type { Cluster as _isthmus_broker_v1_Cluster, Cluster__Output as _isthmus_broker_v1_Cluster__Output } from './isthmus/broker/v1/Cluster.js';
import type { ClusterSpec as _isthmus_broker_v1_ClusterSpec, ClusterSpec__Output as _isthmus_broker_v1_ClusterSpec__Output } from './isthmus/broker/v1/ClusterSpec.js';
import type { ConnectionStatus as _isthmus_broker_v1_ConnectionStatus, ConnectionStatus__Output as _isthmus_broker_v1_ConnectionStatus__Output } from './isthmus/broker/v1/ConnectionStatus.js';
import type { CreateTokenRequest as _isthmus_broker_v1_CreateTokenRequest, CreateTokenRequest__Output as _isthmus_broker_v1_CreateTokenRequest__Output } from './isthmus/broker/v1/CreateTokenRequest.js';
import type { CreateTokenResponse as _isthmus_broker_v1_CreateTokenResponse, CreateTokenResponse__Output as _isthmus_broker_v1_CreateTokenResponse__Output } from './isthmus/broker/v1/CreateTokenResponse.js';
import type { EvictClusterRequest as _isthmus_broker_v1_EvictClusterRequest, EvictClusterRequest__Output as _isthmus_broker_v1_EvictClusterRequest__Output } from './isthmus/broker/v1/EvictClusterRequest.js';
import type { EvictClusterResponse as _isthmus_broker_v1_EvictClusterResponse, EvictClusterResponse__Output as _isthmus_broker_v1_EvictClusterResponse__Output } from './isthmus/broker/v1/EvictClusterResponse.js';
import type { GatewayEndpoint as _isthmus_broker_v1_GatewayEndpoint, GatewayEndpoint__Output as _isthmus_broker_v1_GatewayEndpoint__Output } from './isthmus/broker/v1/GatewayEndpoint.js';
import type { GetBrokerInfoRequest as _isthmus_broker_v1_GetBrokerInfoRequest, GetBrokerInfoRequest__Output as _isthmus_broker_v1_GetBrokerInfoRequest__Output } from './isthmus/broker/v1/GetBrokerInfoRequest.js';
import type { GetBrokerInfoResponse as _isthmus_broker_v1_GetBrokerInfoResponse, GetBrokerInfoResponse__Output as _isthmus_broker_v1_GetBrokerInfoResponse__Output } from './isthmus/broker/v1/GetBrokerInfoResponse.js';
import type { GetClusterRequest as _isthmus_broker_v1_GetClusterRequest, GetClusterRequest__Output as _isthmus_broker_v1_GetClusterRequest__Output } from './isthmus/broker/v1/GetClusterRequest.js';
import type { GetClusterResponse as _isthmus_broker_v1_GetClusterResponse, GetClusterResponse__Output as _isthmus_broker_v1_GetClusterResponse__Output } from './isthmus/broker/v1/GetClusterResponse.js';
import type { GetConnectionMatrixRequest as _isthmus_broker_v1_GetConnectionMatrixRequest, GetConnectionMatrixRequest__Output as _isthmus_broker_v1_GetConnectionMatrixRequest__Output } from './isthmus/broker/v1/GetConnectionMatrixRequest.js';
import type { GetConnectionMatrixResponse as _isthmus_broker_v1_GetConnectionMatrixResponse, GetConnectionMatrixResponse__Output as _isthmus_broker_v1_GetConnectionMatrixResponse__Output } from './isthmus/broker/v1/GetConnectionMatrixResponse.js';
import type { GlobalEgressIp as _isthmus_broker_v1_GlobalEgressIp, GlobalEgressIp__Output as _isthmus_broker_v1_GlobalEgressIp__Output } from './isthmus/broker/v1/GlobalEgressIp.js';
import type { ListClustersRequest as _isthmus_broker_v1_ListClustersRequest, ListClustersRequest__Output as _isthmus_broker_v1_ListClustersRequest__Output } from './isthmus/broker/v1/ListClustersRequest.js';
import type { ListClustersResponse as _isthmus_broker_v1_ListClustersResponse, ListClustersResponse__Output as _isthmus_broker_v1_ListClustersResponse__Output } from './isthmus/broker/v1/ListClustersResponse.js';
import type { ListExportsRequest as _isthmus_broker_v1_ListExportsRequest, ListExportsRequest__Output as _isthmus_broker_v1_ListExportsRequest__Output } from './isthmus/broker/v1/ListExportsRequest.js';
import type { ListExportsResponse as _isthmus_broker_v1_ListExportsResponse, ListExportsResponse__Output as _isthmus_broker_v1_ListExportsResponse__Output } from './isthmus/broker/v1/ListExportsResponse.js';
import type { ListTokensRequest as _isthmus_broker_v1_ListTokensRequest, ListTokensRequest__Output as _isthmus_broker_v1_ListTokensRequest__Output } from './isthmus/broker/v1/ListTokensRequest.js';
import type { ListTokensResponse as _isthmus_broker_v1_ListTokensResponse, ListTokensResponse__Output as _isthmus_broker_v1_ListTokensResponse__Output } from './isthmus/broker/v1/ListTokensResponse.js';
import type { Record as _isthmus_broker_v1_Record, Record__Output as _isthmus_broker_v1_Record__Output } from './isthmus/broker/v1/Record.js';
import type { RevokeTokenRequest as _isthmus_broker_v1_RevokeTokenRequest, RevokeTokenRequest__Output as _isthmus_broker_v1_RevokeTokenRequest__Output } from './isthmus/broker/v1/RevokeTokenRequest.js';
import type { RevokeTokenResponse as _isthmus_broker_v1_RevokeTokenResponse, RevokeTokenResponse__Output as _isthmus_broker_v1_RevokeTokenResponse__Output } from './isthmus/broker/v1/RevokeTokenResponse.js';
import type { RttStats as _isthmus_broker_v1_RttStats, RttStats__Output as _isthmus_broker_v1_RttStats__Output } from './isthmus/broker/v1/RttStats.js';
import type { ServiceEndpoint as _isthmus_broker_v1_ServiceEndpoint, ServiceEndpoint__Output as _isthmus_broker_v1_ServiceEndpoint__Output } from './isthmus/broker/v1/ServiceEndpoint.js';
import type { ServiceExport as _isthmus_broker_v1_ServiceExport, ServiceExport__Output as _isthmus_broker_v1_ServiceExport__Output } from './isthmus/broker/v1/ServiceExport.js';
import type { ServicePort as _isthmus_broker_v1_ServicePort, ServicePort__Output as _isthmus_broker_v1_ServicePort__Output } from './isthmus/broker/v1/ServicePort.js';
import type { TokenInfo as _isthmus_broker_v1_TokenInfo, TokenInfo__Output as _isthmus_broker_v1_TokenInfo__Output } from './isthmus/broker/v1/TokenInfo.js';
import type { WorkloadPod as _isthmus_broker_v1_WorkloadPod, WorkloadPod__Output as _isthmus_broker_v1_WorkloadPod__Output } from './isthmus/broker/v1/WorkloadPod.js';
import type { WorkloadSet as _isthmus_broker_v1_WorkloadSet, WorkloadSet__Output as _isthmus_broker_v1_WorkloadSet__Output } from './isthmus/broker/v1/WorkloadSet.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  isthmus: {
    broker: {
      v1: {
        AdminService: SubtypeConstructor<typeof grpc.Client, _isthmus_broker_v1_AdminServiceClient> & { service: _isthmus_broker_v1_AdminServiceDefinition }
        Cluster: MessageTypeDefinition<_isthmus_broker_v1_Cluster, _isthmus_broker_v1_Cluster__Output>
        ClusterSpec: MessageTypeDefinition<_isthmus_broker_v1_ClusterSpec, _isthmus_broker_v1_ClusterSpec__Output>
        ConnectionStatus: MessageTypeDefinition<_isthmus_broker_v1_ConnectionStatus, _isthmus_broker_v1_ConnectionStatus__Output>
        CreateTokenRequest: MessageTypeDefinition<_isthmus_broker_v1_CreateTokenRequest, _isthmus_broker_v1_CreateTokenRequest__Output>
        CreateTokenResponse: MessageTypeDefinition<_isthmus_broker_v1_CreateTokenResponse, _isthmus_broker_v1_CreateTokenResponse__Output>
        EvictClusterRequest: MessageTypeDefinition<_isthmus_broker_v1_EvictClusterRequest, _isthmus_broker_v1_EvictClusterRequest__Output>
        EvictClusterResponse: MessageTypeDefinition<_isthmus_broker_v1_EvictClusterResponse, _isthmus_broker_v1_EvictClusterResponse__Output>
        GatewayEndpoint: MessageTypeDefinition<_isthmus_broker_v1_GatewayEndpoint, _isthmus_broker_v1_GatewayEndpoint__Output>
        GetBrokerInfoRequest: MessageTypeDefinition<_isthmus_broker_v1_GetBrokerInfoRequest, _isthmus_broker_v1_GetBrokerInfoRequest__Output>
        GetBrokerInfoResponse: MessageTypeDefinition<_isthmus_broker_v1_GetBrokerInfoResponse, _isthmus_broker_v1_GetBrokerInfoResponse__Output>
        GetClusterRequest: MessageTypeDefinition<_isthmus_broker_v1_GetClusterRequest, _isthmus_broker_v1_GetClusterRequest__Output>
        GetClusterResponse: MessageTypeDefinition<_isthmus_broker_v1_GetClusterResponse, _isthmus_broker_v1_GetClusterResponse__Output>
        GetConnectionMatrixRequest: MessageTypeDefinition<_isthmus_broker_v1_GetConnectionMatrixRequest, _isthmus_broker_v1_GetConnectionMatrixRequest__Output>
        GetConnectionMatrixResponse: MessageTypeDefinition<_isthmus_broker_v1_GetConnectionMatrixResponse, _isthmus_broker_v1_GetConnectionMatrixResponse__Output>
        GlobalEgressIp: MessageTypeDefinition<_isthmus_broker_v1_GlobalEgressIp, _isthmus_broker_v1_GlobalEgressIp__Output>
        Kind: EnumTypeDefinition
        ListClustersRequest: MessageTypeDefinition<_isthmus_broker_v1_ListClustersRequest, _isthmus_broker_v1_ListClustersRequest__Output>
        ListClustersResponse: MessageTypeDefinition<_isthmus_broker_v1_ListClustersResponse, _isthmus_broker_v1_ListClustersResponse__Output>
        ListExportsRequest: MessageTypeDefinition<_isthmus_broker_v1_ListExportsRequest, _isthmus_broker_v1_ListExportsRequest__Output>
        ListExportsResponse: MessageTypeDefinition<_isthmus_broker_v1_ListExportsResponse, _isthmus_broker_v1_ListExportsResponse__Output>
        ListTokensRequest: MessageTypeDefinition<_isthmus_broker_v1_ListTokensRequest, _isthmus_broker_v1_ListTokensRequest__Output>
        ListTokensResponse: MessageTypeDefinition<_isthmus_broker_v1_ListTokensResponse, _isthmus_broker_v1_ListTokensResponse__Output>
        Record: MessageTypeDefinition<_isthmus_broker_v1_Record, _isthmus_broker_v1_Record__Output>
        RevokeTokenRequest: MessageTypeDefinition<_isthmus_broker_v1_RevokeTokenRequest, _isthmus_broker_v1_RevokeTokenRequest__Output>
        RevokeTokenResponse: MessageTypeDefinition<_isthmus_broker_v1_RevokeTokenResponse, _isthmus_broker_v1_RevokeTokenResponse__Output>
        RttStats: MessageTypeDefinition<_isthmus_broker_v1_RttStats, _isthmus_broker_v1_RttStats__Output>
        ServiceEndpoint: MessageTypeDefinition<_isthmus_broker_v1_ServiceEndpoint, _isthmus_broker_v1_ServiceEndpoint__Output>
        ServiceExport: MessageTypeDefinition<_isthmus_broker_v1_ServiceExport, _isthmus_broker_v1_ServiceExport__Output>
        ServicePort: MessageTypeDefinition<_isthmus_broker_v1_ServicePort, _isthmus_broker_v1_ServicePort__Output>
        TokenInfo: MessageTypeDefinition<_isthmus_broker_v1_TokenInfo, _isthmus_broker_v1_TokenInfo__Output>
        WorkloadPod: MessageTypeDefinition<_isthmus_broker_v1_WorkloadPod, _isthmus_broker_v1_WorkloadPod__Output>
        WorkloadSet: MessageTypeDefinition<_isthmus_broker_v1_WorkloadSet, _isthmus_broker_v1_WorkloadSet__Output>
      }
    }
  }
}


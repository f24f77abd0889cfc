// Original file: admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { CreateTokenRequest as _isthmus_broker_v1_CreateTokenRequest, CreateTokenRequest__Output as _isthmus_broker_v1_CreateTokenRequest__Output } from '../../../isthmus/broker/v1/CreateTokenRequest.js';
import type { CreateTokenResponse as _isthmus_broker_v1_CreateTokenResponse, CreateTokenResponse__Output as _isthmus_broker_v1_CreateTokenResponse__Output } from '../../../isthmus/broker/v1/CreateTokenResponse.js';
import type { EvictClusterRequest as _isthmus_broker_v1_EvictClusterRequest, EvictClusterRequest__Output as _isthmus_broker_v1_EvictClusterRequest__Output } from '../../../isthmus/broker/v1/EvictClusterRequest.js';
import type { EvictClusterResponse as _isthmus_broker_v1_EvictClusterResponse, EvictClusterResponse__Output as _isthmus_broker_v1_EvictClusterResponse__Output } from '../../../isthmus/broker/v1/EvictClusterResponse.js';
import type { GetBrokerInfoRequest as _isthmus_broker_v1_GetBrokerInfoRequest, GetBrokerInfoRequest__Output as _isthmus_broker_v1_GetBrokerInfoRequest__Output } from '../../../isthmus/broker/v1/GetBrokerInfoRequest.js';
import type { GetBrokerInfoResponse as _isthmus_broker_v1_GetBrokerInfoResponse, GetBrokerInfoResponse__Output as _isthmus_broker_v1_GetBrokerInfoResponse__Output } from '../../../isthmus/broker/v1/GetBrokerInfoResponse.js';
import type { GetClusterRequest as _isthmus_broker_v1_GetClusterRequest, GetClusterRequest__Output as _isthmus_broker_v1_GetClusterRequest__Output } from '../../../isthmus/broker/v1/GetClusterRequest.js';
import type { GetClusterResponse as _isthmus_broker_v1_GetClusterResponse, GetClusterResponse__Output as _isthmus_broker_v1_GetClusterResponse__Output } from '../../../isthmus/broker/v1/GetClusterResponse.js';
import type { GetConnectionMatrixRequest as _isthmus_broker_v1_GetConnectionMatrixRequest, GetConnectionMatrixRequest__Output as _isthmus_broker_v1_GetConnectionMatrixRequest__Output } from '../../../isthmus/broker/v1/GetConnectionMatrixRequest.js';
import type { GetConnectionMatrixResponse as _isthmus_broker_v1_GetConnectionMatrixResponse, GetConnectionMatrixResponse__Output as _isthmus_broker_v1_GetConnectionMatrixResponse__Output } from '../../../isthmus/broker/v1/GetConnectionMatrixResponse.js';
import type { ListClustersRequest as _isthmus_broker_v1_ListClustersRequest, ListClustersRequest__Output as _isthmus_broker_v1_ListClustersRequest__Output } from '../../../isthmus/broker/v1/ListClustersRequest.js';
import type { ListClustersResponse as _isthmus_broker_v1_ListClustersResponse, ListClustersResponse__Output as _isthmus_broker_v1_ListClustersResponse__Output } from '../../../isthmus/broker/v1/ListClustersResponse.js';
import type { ListExportsRequest as _isthmus_broker_v1_ListExportsRequest, ListExportsRequest__Output as _isthmus_broker_v1_ListExportsRequest__Output } from '../../../isthmus/broker/v1/ListExportsRequest.js';
import type { ListExportsResponse as _isthmus_broker_v1_ListExportsResponse, ListExportsResponse__Output as _isthmus_broker_v1_ListExportsResponse__Output } from '../../../isthmus/broker/v1/ListExportsResponse.js';
import type { ListTokensRequest as _isthmus_broker_v1_ListTokensRequest, ListTokensRequest__Output as _isthmus_broker_v1_ListTokensRequest__Output } from '../../../isthmus/broker/v1/ListTokensRequest.js';
import type { ListTokensResponse as _isthmus_broker_v1_ListTokensResponse, ListTokensResponse__Output as _isthmus_broker_v1_ListTokensResponse__Output } from '../../../isthmus/broker/v1/ListTokensResponse.js';
import type { RevokeTokenRequest as _isthmus_broker_v1_RevokeTokenRequest, RevokeTokenRequest__Output as _isthmus_broker_v1_RevokeTokenRequest__Output } from '../../../isthmus/broker/v1/RevokeTokenRequest.js';
import type { RevokeTokenResponse as _isthmus_broker_v1_RevokeTokenResponse, RevokeTokenResponse__Output as _isthmus_broker_v1_RevokeTokenResponse__Output } from '../../../isthmus/broker/v1/RevokeTokenResponse.js';

export interface AdminServiceClient extends grpc.Client {
  CreateToken(argument: _isthmus_broker_v1_CreateTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  CreateToken(argument: _isthmus_broker_v1_CreateTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  CreateToken(argument: _isthmus_broker_v1_CreateTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  CreateToken(argument: _isthmus_broker_v1_CreateTokenRequest, callback: grpc.requestCallback<_isthmus_broker_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  createToken(argument: _isthmus_broker_v1_CreateTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  createToken(argument: _isthmus_broker_v1_CreateTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  createToken(argument: _isthmus_broker_v1_CreateTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  createToken(argument: _isthmus_broker_v1_CreateTokenRequest, callback: grpc.requestCallback<_isthmus_broker_v1_CreateTokenResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Removes every record of the cluster (watchers see deletions) and revokes its certificates.
   */
  EvictCluster(argument: _isthmus_broker_v1_EvictClusterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_EvictClusterResponse__Output>): grpc.ClientUnaryCall;
  EvictCluster(argument: _isthmus_broker_v1_EvictClusterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_EvictClusterResponse__Output>): grpc.ClientUnaryCall;
  EvictCluster(argument: _isthmus_broker_v1_EvictClusterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_EvictClusterResponse__Output>): grpc.ClientUnaryCall;
  EvictCluster(argument: _isthmus_broker_v1_EvictClusterRequest, callback: grpc.requestCallback<_isthmus_broker_v1_EvictClusterResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Removes every record of the cluster (watchers see deletions) and revokes its certificates.
   */
  evictCluster(argument: _isthmus_broker_v1_EvictClusterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_EvictClusterResponse__Output>): grpc.ClientUnaryCall;
  evictCluster(argument: _isthmus_broker_v1_EvictClusterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_EvictClusterResponse__Output>): grpc.ClientUnaryCall;
  evictCluster(argument: _isthmus_broker_v1_EvictClusterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_EvictClusterResponse__Output>): grpc.ClientUnaryCall;
  evictCluster(argument: _isthmus_broker_v1_EvictClusterRequest, callback: grpc.requestCallback<_isthmus_broker_v1_EvictClusterResponse__Output>): grpc.ClientUnaryCall;
  
  GetBrokerInfo(argument: _isthmus_broker_v1_GetBrokerInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_GetBrokerInfoResponse__Output>): grpc.ClientUnaryCall;
  GetBrokerInfo(argument: _isthmus_broker_v1_GetBrokerInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_GetBrokerInfoResponse__Output>): grpc.ClientUnaryCall;
  GetBrokerInfo(argument: _isthmus_broker_v1_GetBrokerInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_GetBrokerInfoResponse__Output>): grpc.ClientUnaryCall;
  GetBrokerInfo(argument: _isthmus_broker_v1_GetBrokerInfoRequest, callback: grpc.requestCallback<_isthmus_broker_v1_GetBrokerInfoResponse__Output>): grpc.ClientUnaryCall;
  getBrokerInfo(argument: _isthmus_broker_v1_GetBrokerInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_GetBrokerInfoResponse__Output>): grpc.ClientUnaryCall;
  getBrokerInfo(argument: _isthmus_broker_v1_GetBrokerInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_GetBrokerInfoResponse__Output>): grpc.ClientUnaryCall;
  getBrokerInfo(argument: _isthmus_broker_v1_GetBrokerInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_GetBrokerInfoResponse__Output>): grpc.ClientUnaryCall;
  getBrokerInfo(argument: _isthmus_broker_v1_GetBrokerInfoRequest, callback: grpc.requestCallback<_isthmus_broker_v1_GetBrokerInfoResponse__Output>): grpc.ClientUnaryCall;
  
  GetCluster(argument: _isthmus_broker_v1_GetClusterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  GetCluster(argument: _isthmus_broker_v1_GetClusterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  GetCluster(argument: _isthmus_broker_v1_GetClusterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  GetCluster(argument: _isthmus_broker_v1_GetClusterRequest, callback: grpc.requestCallback<_isthmus_broker_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  getCluster(argument: _isthmus_broker_v1_GetClusterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  getCluster(argument: _isthmus_broker_v1_GetClusterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  getCluster(argument: _isthmus_broker_v1_GetClusterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  getCluster(argument: _isthmus_broker_v1_GetClusterRequest, callback: grpc.requestCallback<_isthmus_broker_v1_GetClusterResponse__Output>): grpc.ClientUnaryCall;
  
  GetConnectionMatrix(argument: _isthmus_broker_v1_GetConnectionMatrixRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_GetConnectionMatrixResponse__Output>): grpc.ClientUnaryCall;
  GetConnectionMatrix(argument: _isthmus_broker_v1_GetConnectionMatrixRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_GetConnectionMatrixResponse__Output>): grpc.ClientUnaryCall;
  GetConnectionMatrix(argument: _isthmus_broker_v1_GetConnectionMatrixRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_GetConnectionMatrixResponse__Output>): grpc.ClientUnaryCall;
  GetConnectionMatrix(argument: _isthmus_broker_v1_GetConnectionMatrixRequest, callback: grpc.requestCallback<_isthmus_broker_v1_GetConnectionMatrixResponse__Output>): grpc.ClientUnaryCall;
  getConnectionMatrix(argument: _isthmus_broker_v1_GetConnectionMatrixRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_GetConnectionMatrixResponse__Output>): grpc.ClientUnaryCall;
  getConnectionMatrix(argument: _isthmus_broker_v1_GetConnectionMatrixRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_GetConnectionMatrixResponse__Output>): grpc.ClientUnaryCall;
  getConnectionMatrix(argument: _isthmus_broker_v1_GetConnectionMatrixRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_GetConnectionMatrixResponse__Output>): grpc.ClientUnaryCall;
  getConnectionMatrix(argument: _isthmus_broker_v1_GetConnectionMatrixRequest, callback: grpc.requestCallback<_isthmus_broker_v1_GetConnectionMatrixResponse__Output>): grpc.ClientUnaryCall;
  
  ListClusters(argument: _isthmus_broker_v1_ListClustersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_ListClustersResponse__Output>): grpc.ClientUnaryCall;
  ListClusters(argument: _isthmus_broker_v1_ListClustersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_ListClustersResponse__Output>): grpc.ClientUnaryCall;
  ListClusters(argument: _isthmus_broker_v1_ListClustersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_ListClustersResponse__Output>): grpc.ClientUnaryCall;
  ListClusters(argument: _isthmus_broker_v1_ListClustersRequest, callback: grpc.requestCallback<_isthmus_broker_v1_ListClustersResponse__Output>): grpc.ClientUnaryCall;
  listClusters(argument: _isthmus_broker_v1_ListClustersRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_ListClustersResponse__Output>): grpc.ClientUnaryCall;
  listClusters(argument: _isthmus_broker_v1_ListClustersRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_ListClustersResponse__Output>): grpc.ClientUnaryCall;
  listClusters(argument: _isthmus_broker_v1_ListClustersRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_ListClustersResponse__Output>): grpc.ClientUnaryCall;
  listClusters(argument: _isthmus_broker_v1_ListClustersRequest, callback: grpc.requestCallback<_isthmus_broker_v1_ListClustersResponse__Output>): grpc.ClientUnaryCall;
  
  ListExports(argument: _isthmus_broker_v1_ListExportsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_ListExportsResponse__Output>): grpc.ClientUnaryCall;
  ListExports(argument: _isthmus_broker_v1_ListExportsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_ListExportsResponse__Output>): grpc.ClientUnaryCall;
  ListExports(argument: _isthmus_broker_v1_ListExportsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_ListExportsResponse__Output>): grpc.ClientUnaryCall;
  ListExports(argument: _isthmus_broker_v1_ListExportsRequest, callback: grpc.requestCallback<_isthmus_broker_v1_ListExportsResponse__Output>): grpc.ClientUnaryCall;
  listExports(argument: _isthmus_broker_v1_ListExportsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_ListExportsResponse__Output>): grpc.ClientUnaryCall;
  listExports(argument: _isthmus_broker_v1_ListExportsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_ListExportsResponse__Output>): grpc.ClientUnaryCall;
  listExports(argument: _isthmus_broker_v1_ListExportsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_ListExportsResponse__Output>): grpc.ClientUnaryCall;
  listExports(argument: _isthmus_broker_v1_ListExportsRequest, callback: grpc.requestCallback<_isthmus_broker_v1_ListExportsResponse__Output>): grpc.ClientUnaryCall;
  
  ListTokens(argument: _isthmus_broker_v1_ListTokensRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  ListTokens(argument: _isthmus_broker_v1_ListTokensRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  ListTokens(argument: _isthmus_broker_v1_ListTokensRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  ListTokens(argument: _isthmus_broker_v1_ListTokensRequest, callback: grpc.requestCallback<_isthmus_broker_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _isthmus_broker_v1_ListTokensRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _isthmus_broker_v1_ListTokensRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _isthmus_broker_v1_ListTokensRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  listTokens(argument: _isthmus_broker_v1_ListTokensRequest, callback: grpc.requestCallback<_isthmus_broker_v1_ListTokensResponse__Output>): grpc.ClientUnaryCall;
  
  RevokeToken(argument: _isthmus_broker_v1_RevokeTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _isthmus_broker_v1_RevokeTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _isthmus_broker_v1_RevokeTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  RevokeToken(argument: _isthmus_broker_v1_RevokeTokenRequest, callback: grpc.requestCallback<_isthmus_broker_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _isthmus_broker_v1_RevokeTokenRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _isthmus_broker_v1_RevokeTokenRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _isthmus_broker_v1_RevokeTokenRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  revokeToken(argument: _isthmus_broker_v1_RevokeTokenRequest, callback: grpc.requestCallback<_isthmus_broker_v1_RevokeTokenResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface AdminServiceHandlers extends grpc.UntypedServiceImplementation {
  CreateToken: grpc.handleUnaryCall<_isthmus_broker_v1_CreateTokenRequest__Output, _isthmus_broker_v1_CreateTokenResponse>;
  
  /**
   * Removes every record of the cluster (watchers see deletions) and revokes its certificates.
   */
  EvictCluster: grpc.handleUnaryCall<_isthmus_broker_v1_EvictClusterRequest__Output, _isthmus_broker_v1_EvictClusterResponse>;
  
  GetBrokerInfo: grpc.handleUnaryCall<_isthmus_broker_v1_GetBrokerInfoRequest__Output, _isthmus_broker_v1_GetBrokerInfoResponse>;
  
  GetCluster: grpc.handleUnaryCall<_isthmus_broker_v1_GetClusterRequest__Output, _isthmus_broker_v1_GetClusterResponse>;
  
  GetConnectionMatrix: grpc.handleUnaryCall<_isthmus_broker_v1_GetConnectionMatrixRequest__Output, _isthmus_broker_v1_GetConnectionMatrixResponse>;
  
  ListClusters: grpc.handleUnaryCall<_isthmus_broker_v1_ListClustersRequest__Output, _isthmus_broker_v1_ListClustersResponse>;
  
  ListExports: grpc.handleUnaryCall<_isthmus_broker_v1_ListExportsRequest__Output, _isthmus_broker_v1_ListExportsResponse>;
  
  ListTokens: grpc.handleUnaryCall<_isthmus_broker_v1_ListTokensRequest__Output, _isthmus_broker_v1_ListTokensResponse>;
  
  RevokeToken: grpc.handleUnaryCall<_isthmus_broker_v1_RevokeTokenRequest__Output, _isthmus_broker_v1_RevokeTokenResponse>;
  
}

export interface AdminServiceDefinition extends grpc.ServiceDefinition {
  CreateToken: MethodDefinition<_isthmus_broker_v1_CreateTokenRequest, _isthmus_broker_v1_CreateTokenResponse, _isthmus_broker_v1_CreateTokenRequest__Output, _isthmus_broker_v1_CreateTokenResponse__Output>
  EvictCluster: MethodDefinition<_isthmus_broker_v1_EvictClusterRequest, _isthmus_broker_v1_EvictClusterResponse, _isthmus_broker_v1_EvictClusterRequest__Output, _isthmus_broker_v1_EvictClusterResponse__Output>
  GetBrokerInfo: MethodDefinition<_isthmus_broker_v1_GetBrokerInfoRequest, _isthmus_broker_v1_GetBrokerInfoResponse, _isthmus_broker_v1_GetBrokerInfoRequest__Output, _isthmus_broker_v1_GetBrokerInfoResponse__Output>
  GetCluster: MethodDefinition<_isthmus_broker_v1_GetClusterRequest, _isthmus_broker_v1_GetClusterResponse, _isthmus_broker_v1_GetClusterRequest__Output, _isthmus_broker_v1_GetClusterResponse__Output>
  GetConnectionMatrix: MethodDefinition<_isthmus_broker_v1_GetConnectionMatrixRequest, _isthmus_broker_v1_GetConnectionMatrixResponse, _isthmus_broker_v1_GetConnectionMatrixRequest__Output, _isthmus_broker_v1_GetConnectionMatrixResponse__Output>
  ListClusters: MethodDefinition<_isthmus_broker_v1_ListClustersRequest, _isthmus_broker_v1_ListClustersResponse, _isthmus_broker_v1_ListClustersRequest__Output, _isthmus_broker_v1_ListClustersResponse__Output>
  ListExports: MethodDefinition<_isthmus_broker_v1_ListExportsRequest, _isthmus_broker_v1_ListExportsResponse, _isthmus_broker_v1_ListExportsRequest__Output, _isthmus_broker_v1_ListExportsResponse__Output>
  ListTokens: MethodDefinition<_isthmus_broker_v1_ListTokensRequest, _isthmus_broker_v1_ListTokensResponse, _isthmus_broker_v1_ListTokensRequest__Output, _isthmus_broker_v1_ListTokensResponse__Output>
  RevokeToken: MethodDefinition<_isthmus_broker_v1_RevokeTokenRequest, _isthmus_broker_v1_RevokeTokenResponse, _isthmus_broker_v1_RevokeTokenRequest__Output, _isthmus_broker_v1_RevokeTokenResponse__Output>
}

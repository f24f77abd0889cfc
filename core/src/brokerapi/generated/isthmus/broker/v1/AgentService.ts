// Original file: agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { JoinRequest as _isthmus_broker_v1_JoinRequest, JoinRequest__Output as _isthmus_broker_v1_JoinRequest__Output } from '../../../isthmus/broker/v1/JoinRequest.js';
import type { JoinResponse as _isthmus_broker_v1_JoinResponse, JoinResponse__Output as _isthmus_broker_v1_JoinResponse__Output } from '../../../isthmus/broker/v1/JoinResponse.js';
import type { PublishRequest as _isthmus_broker_v1_PublishRequest, PublishRequest__Output as _isthmus_broker_v1_PublishRequest__Output } from '../../../isthmus/broker/v1/PublishRequest.js';
import type { PublishResponse as _isthmus_broker_v1_PublishResponse, PublishResponse__Output as _isthmus_broker_v1_PublishResponse__Output } from '../../../isthmus/broker/v1/PublishResponse.js';
import type { WatchEvent as _isthmus_broker_v1_WatchEvent, WatchEvent__Output as _isthmus_broker_v1_WatchEvent__Output } from '../../../isthmus/broker/v1/WatchEvent.js';
import type { WatchRequest as _isthmus_broker_v1_WatchRequest, WatchRequest__Output as _isthmus_broker_v1_WatchRequest__Output } from '../../../isthmus/broker/v1/WatchRequest.js';

export interface AgentServiceClient extends grpc.Client {
  /**
   * Exchanges a join token and a CSR for a client certificate for the cluster. The only call
   * that needs no client certificate. Bad, expired, used-up or revoked token: UNAUTHENTICATED.
   */
  Join(argument: _isthmus_broker_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _isthmus_broker_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _isthmus_broker_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  Join(argument: _isthmus_broker_v1_JoinRequest, callback: grpc.requestCallback<_isthmus_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Exchanges a join token and a CSR for a client certificate for the cluster. The only call
   * that needs no client certificate. Bad, expired, used-up or revoked token: UNAUTHENTICATED.
   */
  join(argument: _isthmus_broker_v1_JoinRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _isthmus_broker_v1_JoinRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _isthmus_broker_v1_JoinRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  join(argument: _isthmus_broker_v1_JoinRequest, callback: grpc.requestCallback<_isthmus_broker_v1_JoinResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Replaces the caller's whole set of records of one kind (level-based). mTLS; a cluster
   * writes only its own records (PERMISSION_DENIED), CIDRs overlapping another cluster's are
   * refused (FAILED_PRECONDITION) unless both clusters use global addressing (ClusterSpec.global).
   */
  Publish(argument: _isthmus_broker_v1_PublishRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  Publish(argument: _isthmus_broker_v1_PublishRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  Publish(argument: _isthmus_broker_v1_PublishRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  Publish(argument: _isthmus_broker_v1_PublishRequest, callback: grpc.requestCallback<_isthmus_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Replaces the caller's whole set of records of one kind (level-based). mTLS; a cluster
   * writes only its own records (PERMISSION_DENIED), CIDRs overlapping another cluster's are
   * refused (FAILED_PRECONDITION) unless both clusters use global addressing (ClusterSpec.global).
   */
  publish(argument: _isthmus_broker_v1_PublishRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  publish(argument: _isthmus_broker_v1_PublishRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_isthmus_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  publish(argument: _isthmus_broker_v1_PublishRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_isthmus_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  publish(argument: _isthmus_broker_v1_PublishRequest, callback: grpc.requestCallback<_isthmus_broker_v1_PublishResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * A snapshot, then ordered changes, then more changes; heartbeats in between.
   */
  Watch(argument: _isthmus_broker_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_isthmus_broker_v1_WatchEvent__Output>;
  Watch(argument: _isthmus_broker_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_isthmus_broker_v1_WatchEvent__Output>;
  /**
   * A snapshot, then ordered changes, then more changes; heartbeats in between.
   */
  watch(argument: _isthmus_broker_v1_WatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_isthmus_broker_v1_WatchEvent__Output>;
  watch(argument: _isthmus_broker_v1_WatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_isthmus_broker_v1_WatchEvent__Output>;
  
}

export interface AgentServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Exchanges a join token and a CSR for a client certificate for the cluster. The only call
   * that needs no client certificate. Bad, expired, used-up or revoked token: UNAUTHENTICATED.
   */
  Join: grpc.handleUnaryCall<_isthmus_broker_v1_JoinRequest__Output, _isthmus_broker_v1_JoinResponse>;
  
  /**
   * Replaces the caller's whole set of records of one kind (level-based). mTLS; a cluster
   * writes only its own records (PERMISSION_DENIED), CIDRs overlapping another cluster's are
   * refused (FAILED_PRECONDITION) unless both clusters use global addressing (ClusterSpec.global).
   */
  Publish: grpc.handleUnaryCall<_isthmus_broker_v1_PublishRequest__Output, _isthmus_broker_v1_PublishResponse>;
  
  /**
   * A snapshot, then ordered changes, then more changes; heartbeats in between.
   */
  Watch: grpc.handleServerStreamingCall<_isthmus_broker_v1_WatchRequest__Output, _isthmus_broker_v1_WatchEvent>;
  
}

export interface AgentServiceDefinition extends grpc.ServiceDefinition {
  Join: MethodDefinition<_isthmus_broker_v1_JoinRequest, _isthmus_broker_v1_JoinResponse, _isthmus_broker_v1_JoinRequest__Output, _isthmus_broker_v1_JoinResponse__Output>
  Publish: MethodDefinition<_isthmus_broker_v1_PublishRequest, _isthmus_broker_v1_PublishResponse, _isthmus_broker_v1_PublishRequest__Output, _isthmus_broker_v1_PublishResponse__Output>
  Watch: MethodDefinition<_isthmus_broker_v1_WatchRequest, _isthmus_broker_v1_WatchEvent, _isthmus_broker_v1_WatchRequest__Output, _isthmus_broker_v1_WatchEvent__Output>
}

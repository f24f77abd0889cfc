import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import type { ProtoGrpcType as AdminProto } from "./generated/admin.js";
import type { ProtoGrpcType as AgentProto } from "./generated/agent.js";
import { brokerApiDescriptor } from "./generated/descriptor.js";
import type { AdminServiceDefinition, AgentServiceDefinition } from "./wire.js";

/** Loader options; they must match the generator flags in codegen.ts (`loaderFlags`). */
const loaderOptions: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

const loaded = grpc.loadPackageDefinition(protoLoader.fromJSON(brokerApiDescriptor, loaderOptions)) as unknown as AgentProto &
  AdminProto;
const v1 = loaded.isthmus.broker.v1;

/** The gRPC definition of the agent service (Join, Publish, Watch). */
export const agentServiceDefinition: AgentServiceDefinition = v1.AgentService.service;
/** The gRPC definition of the admin service. */
export const adminServiceDefinition: AdminServiceDefinition = v1.AdminService.service;
/** The generated client constructor of the agent service. */
export const AgentServiceClientConstructor = v1.AgentService;
/** The generated client constructor of the admin service. */
export const AdminServiceClientConstructor = v1.AdminService;

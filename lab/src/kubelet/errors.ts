import { IsthmusError } from "@isthmus/core/errors";

/** Why the lab kubelet refused or failed something; tests assert these codes. */
export type KubeletErrorCode =
  | "InvalidConfig"
  | "UnknownImage"
  | "ImageNotPresent"
  | "NetworkNotReady"
  | "InvalidPodSpec"
  | "VolumeFailed"
  | "CommandFailed"
  | "ContainerConfigError"
  | "ApiFailed";

/** The error family of the lab kubelet (config, images, pods, volumes, commands). */
export class KubeletError extends IsthmusError<KubeletErrorCode> {}

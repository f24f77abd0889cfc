/**
 * One cluster's control plane inside its namespace: etcd, kube-apiserver, the two socat
 * forwarders that let the host reach the apiserver on 127.0.0.1, kube-controller-manager and
 * kube-scheduler. Each start waits for a real readiness signal with a deadline and fails with
 * the tail of the component's log.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { LabBinaries } from "../binaries/index.js";
import { createLabKubeClient, type LabKubeClient } from "./kube-client.js";
import { clusterPaths } from "./paths.js";
import type { ClusterPki } from "./pki.js";
import { serviceAccountIssuer } from "./pki.js";
import type { ClusterPlan, LabPlan } from "./plan.js";
import { assertAlive, logTail, startProcess, type LabProcess } from "./processes.js";
import { waitFor } from "./wait.js";

/** What a started control plane offers its callers. */
export interface ControlPlane {
  /** Admin client through the host-side forwarder. */
  readonly admin: LabKubeClient;
  readonly processes: readonly LabProcess[];
}

const apiserverReadyMs = 90_000;
const leaderMs = 60_000;

/** Starts etcd and the apiserver (and its forwarders), waiting until `/readyz` answers ok. */
export async function startApiserver(
  plan: LabPlan,
  cluster: ClusterPlan,
  context: { readonly binaries: LabBinaries; readonly pki: ClusterPki },
): Promise<ControlPlane> {
  const paths = clusterPaths(plan, cluster);
  await mkdir(paths.logDir, { recursive: true });
  await mkdir(paths.etcdDataDir, { recursive: true, mode: 0o700 });
  const { binaries, pki } = context;
  const inCp = (name: string, argv: string[]): Promise<LabProcess> =>
    startProcess(plan, { name: `${cluster.id}-${name}`, argv, netns: cluster.cpNetns, logFile: join(paths.logDir, `${name}.log`) });
  const etcd = await inCp("etcd", [
    binaries.etcd,
    `--name=${cluster.id}`,
    `--data-dir=${paths.etcdDataDir}`,
    "--listen-client-urls=http://127.0.0.1:2379",
    "--advertise-client-urls=http://127.0.0.1:2379",
    "--listen-peer-urls=http://127.0.0.1:2380",
    "--initial-advertise-peer-urls=http://127.0.0.1:2380",
    `--initial-cluster=${cluster.id}=http://127.0.0.1:2380`,
    "--unsafe-no-fsync",
    "--log-level=warn",
  ]);
  const apiserver = await inCp("kube-apiserver", [
    binaries.kubeApiserver,
    "--etcd-servers=http://127.0.0.1:2379",
    `--advertise-address=${cluster.cpAddress}`,
    `--secure-port=${cluster.apiserverPort}`,
    `--tls-cert-file=${pki.apiserverCert}`,
    `--tls-private-key-file=${pki.apiserverKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--kubelet-client-certificate=${pki.kubeletClientCert}`,
    `--kubelet-client-key=${pki.kubeletClientKey}`,
    "--kubelet-preferred-address-types=InternalIP",
    `--service-account-issuer=${serviceAccountIssuer}`,
    `--service-account-key-file=${pki.serviceAccountPub}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    `--service-cluster-ip-range=${cluster.serviceCidr}`,
    "--authorization-mode=Node,RBAC",
    "--enable-admission-plugins=NodeRestriction",
    "--allow-privileged=true",
    "--profiling=false",
    "--v=1",
  ]);
  const forwarders = [
    await inCp("apiserver-forward-ns", [
      "socat",
      `UNIX-LISTEN:${paths.apiserverSocket},fork,unlink-early,mode=600`,
      `TCP:${cluster.cpAddress}:${cluster.apiserverPort}`,
    ]),
    await startProcess(plan, {
      name: `${cluster.id}-apiserver-forward-host`,
      argv: ["socat", `TCP-LISTEN:${cluster.localApiserverPort},bind=127.0.0.1,fork,reuseaddr`, `UNIX-CONNECT:${paths.apiserverSocket}`],
      logFile: join(paths.logDir, "apiserver-forward-host.log"),
    }),
  ];
  const admin = await createLabKubeClient(paths.adminKubeconfig, { timeoutMs: 5_000 });
  await waitFor(
    `${cluster.id} kube-apiserver /readyz`,
    async () => {
      const res = await admin.request("GET", "/readyz");
      return res.status === 200 ? true : undefined;
    },
    {
      timeoutMs: apiserverReadyMs,
      intervalMs: 500,
      precheck: async () => {
        for (const p of [etcd, apiserver, ...forwarders]) await assertAlive(p);
      },
      explain: async () => `apiserver log: ${await logTail(apiserver.logFile)}; etcd log: ${await logTail(etcd.logFile, 3)}`,
    },
  );
  return { admin, processes: [etcd, apiserver, ...forwarders] };
}

/** Starts the controller-manager and scheduler; waits until both hold their leader Lease. */
export async function startControllers(
  plan: LabPlan,
  cluster: ClusterPlan,
  context: { readonly binaries: LabBinaries; readonly pki: ClusterPki; readonly admin: LabKubeClient },
): Promise<LabProcess[]> {
  const paths = clusterPaths(plan, cluster);
  const { binaries, pki } = context;
  const inCp = (name: string, argv: string[]): Promise<LabProcess> =>
    startProcess(plan, { name: `${cluster.id}-${name}`, argv, netns: cluster.cpNetns, logFile: join(paths.logDir, `${name}.log`) });
  const delegated = (kubeconfig: string): string[] => [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    "--bind-address=127.0.0.1",
    "--leader-elect=true",
    "--profiling=false",
  ];
  const cm = await inCp("kube-controller-manager", [
    binaries.kubeControllerManager,
    ...delegated(pki.controllerManagerKubeconfig),
    "--controllers=*",
    "--allocate-node-cidrs=true",
    `--cluster-cidr=${cluster.podCidr}`,
    "--node-cidr-mask-size=24",
    `--service-cluster-ip-range=${cluster.serviceCidr}`,
    `--root-ca-file=${pki.caCert}`,
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    `--cluster-signing-cert-file=${pki.caCert}`,
    `--cluster-signing-key-file=${pki.caKey}`,
    "--use-service-account-credentials=true",
    "--configure-cloud-routes=false",
    "--v=1",
  ]);
  const scheduler = await inCp("kube-scheduler", [binaries.kubeScheduler, ...delegated(pki.schedulerKubeconfig), "--v=1"]);
  for (const [proc, lease] of [
    [cm, "kube-controller-manager"],
    [scheduler, "kube-scheduler"],
  ] as const) {
    await waitFor(
      `${cluster.id} ${lease} to take its leader Lease`,
      async () => {
        const l = await context.admin.get<{ spec?: { holderIdentity?: string } }>(
          `/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/${lease}`,
        );
        return l.spec?.holderIdentity === undefined ? undefined : true;
      },
      { timeoutMs: leaderMs, intervalMs: 500, precheck: () => assertAlive(proc), explain: async () => `log: ${await logTail(proc.logFile)}` },
    );
  }
  return [cm, scheduler];
}

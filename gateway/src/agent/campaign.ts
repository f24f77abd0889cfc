// A gateway candidate campaigns for the Lease only while its underlay link is up: an active
// gateway that loses its WAN link steps down at once (releasing the Lease, so a standby takes it
// on its next retry instead of after the lease expires), and campaigns again when the link is back.
import { createLeaderElector, type LeaderElector, type LeaseClient } from "@isthmus/core/kube";
import { type Logger } from "@isthmus/core/runtime";

/** Options of {@link createCampaign}. */
export interface CampaignOptions {
  readonly namespace: string;
  readonly leaseName: string;
  readonly identity: string;
  readonly leaseClient: LeaseClient;
  readonly leaseDurationMs: number;
  readonly renewDeadlineMs: number;
  readonly retryPeriodMs: number;
  readonly logger: Logger;
  /** Told when this candidate starts or stops leading. Must not throw. */
  readonly onRoleChange: (active: boolean) => void;
  /** Told when the Lease is seen held by a (new) holder, this candidate or another. Must not throw. */
  readonly onLeaderObserved?: (identity: string) => void;
}

/** Lease election that can be paused and resumed. */
export interface Campaign {
  /** True while this candidate leads. */
  readonly active: boolean;
  /** Campaigns while `eligible`; stops (releasing the Lease when held) when not. Idempotent. */
  setEligible(eligible: boolean): Promise<void>;
  /** Stops campaigning and releases the Lease. Idempotent. */
  stop(): Promise<void>;
}

/** Creates a {@link Campaign}; it starts when first made eligible. */
export function createCampaign(options: CampaignOptions): Campaign {
  let elector: LeaderElector | undefined;
  let active = false;
  const log = options.logger.child({ component: "campaign" });

  const start = async (): Promise<void> => {
    const current = createLeaderElector({
      lease: { namespace: options.namespace, name: options.leaseName },
      identity: options.identity,
      leaseClient: options.leaseClient,
      leaseDurationMs: options.leaseDurationMs,
      renewDeadlineMs: options.renewDeadlineMs,
      retryPeriodMs: options.retryPeriodMs,
      logger: options.logger,
      releaseOnStop: true,
      ...(options.onLeaderObserved === undefined ? {} : { onNewLeader: options.onLeaderObserved }),
      onStartedLeading: (signal) => {
        active = true;
        options.onRoleChange(true);
        signal.addEventListener("abort", () => {
          active = false;
          options.onRoleChange(false);
        }, { once: true });
      },
      onStoppedLeading: () => {
        if (active) {
          active = false;
          options.onRoleChange(false);
        }
      },
    });
    elector = current;
    await current.start();
  };

  const stop = async (): Promise<void> => {
    const current = elector;
    elector = undefined;
    await current?.stop();
  };

  return {
    get active() {
      return active;
    },
    async setEligible(eligible) {
      if (eligible && elector === undefined) {
        log.info("campaigning for the gateway Lease");
        await start();
      } else if (!eligible && elector !== undefined) {
        log.warn("stepping out of the gateway election (underlay link down)");
        await stop();
      }
    },
    stop,
  };
}

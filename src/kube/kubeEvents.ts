import { CoreV1Api, type CoreV1Event, type KubeConfig } from "@kubernetes/client-node";

/** The pod an Event is about; the pod may already be gone (its Event is still useful to `kubectl get events`). */
export interface EventSubject {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** Records Kubernetes Events; the port the reconciler depends on. */
export interface PodEventRecorder {
  /** Best effort: resolves `false` (never throws) when the apiserver refuses or is unreachable. */
  podEvent(
    subject: EventSubject,
    event: { readonly reason: string; readonly message: string; readonly type?: "Normal" | "Warning" },
  ): Promise<boolean>;
}

export const EVENT_COMPONENT = "ipledger-reconciler";

/** The core/v1 Event body for one pod, in the pod's namespace. */
export function podEventBody(
  subject: EventSubject,
  event: { reason: string; message: string; type?: "Normal" | "Warning" },
  now: Date,
  instance: string,
): CoreV1Event {
  return {
    apiVersion: "v1",
    kind: "Event",
    // generateName keeps names unique without a clock-derived suffix; pod names may be 253 long.
    metadata: { generateName: `${subject.name.slice(0, 200)}.`, namespace: subject.namespace },
    involvedObject: {
      apiVersion: "v1",
      kind: "Pod",
      namespace: subject.namespace,
      name: subject.name,
      ...(subject.uid ? { uid: subject.uid } : {}),
    },
    reason: event.reason,
    message: event.message.slice(0, 1024),
    type: event.type ?? "Normal",
    source: { component: EVENT_COMPONENT },
    reportingComponent: EVENT_COMPONENT,
    reportingInstance: instance,
    firstTimestamp: now,
    lastTimestamp: now,
    count: 1,
  };
}

/**
 * Creates core/v1 Events through the apiserver.
 *
 * @example
 *   const events = createPodEventRecorder(kubeConfig, { instance: "node-a", onError: (e) => log.warn(e) });
 *   await events.podEvent({ namespace: "default", name: "web-0", uid }, { reason: "IPAddressReleased", message: "…" });
 */
export function createPodEventRecorder(
  kubeConfig: KubeConfig,
  options: { instance: string; onError?: (error: unknown) => void; now?: () => Date },
): PodEventRecorder {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const now = options.now ?? (() => new Date());
  return {
    async podEvent(subject, event) {
      try {
        await core.createNamespacedEvent({
          namespace: subject.namespace,
          body: podEventBody(subject, event, now(), options.instance),
        });
        return true;
      } catch (error) {
        options.onError?.(error);
        return false;
      }
    },
  };
}

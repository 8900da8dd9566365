/**
 * The stack as the node's cloud controller. The kubelet refuses 127.0.0.1 as its node IP
 * (loopback), and the rules here allow no other address on the host. Run with
 * `--cloud-provider=external`, it registers with only its hostname, tainted as uninitialised,
 * and keeps whatever addresses a cloud controller sets afterwards: the stack sets 127.0.0.1.
 */

export const uninitializedTaint = 'node.cloudprovider.kubernetes.io/uninitialized'
/** Put on every new Node at creation; the node lifecycle controller lifts it once Ready. */
const notReadyTaint = 'node.kubernetes.io/not-ready'

export interface NodeAddress {
  type: string
  address: string
}

interface Taint {
  key: string
  effect: string
  value?: string
}

/** The fields of a Node read here. */
export interface NodeView {
  metadata: { resourceVersion?: string }
  spec?: { taints?: Taint[] }
  status?: {
    addresses?: NodeAddress[]
    conditions?: { type: string; status: string; lastHeartbeatTime?: string }[]
  }
}

export function nodeAddresses(name: string): NodeAddress[] {
  return [
    { type: 'InternalIP', address: '127.0.0.1' },
    { type: 'Hostname', address: name },
  ]
}

/**
 * The merge patches that initialise the node as a cloud controller would: its addresses (on the
 * status subresource) and the uninitialised taint removed (on the Node). Each carries the
 * resourceVersion it was computed from, so a kubelet update in between makes it fail with 409
 * and be computed again, rather than overwrite the update.
 */
export function cloudPatches(node: NodeView, name: string): { status?: object; spec?: object } {
  const want = nodeAddresses(name)
  const have = node.status?.addresses ?? []
  const sameAddresses =
    have.length === want.length &&
    want.every((a, i) => have[i]?.type === a.type && have[i]?.address === a.address)
  const taints = node.spec?.taints ?? []
  const kept = taints.filter((t) => t.key !== uninitializedTaint)
  const metadata = { resourceVersion: node.metadata.resourceVersion }
  return {
    ...(sameAddresses ? {} : { status: { metadata, status: { addresses: want } } }),
    ...(kept.length === taints.length
      ? {}
      : { spec: { metadata, spec: { taints: kept.length > 0 ? kept : null } } }),
  }
}

/**
 * Ready, reported so by a kubelet that started at `since` or later (not a stale status), and no
 * longer tainted not-ready, so the scheduler places pods on it.
 */
export function nodeReady(node: NodeView, since: Date): boolean {
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready')
  if (ready?.status !== 'True' || ready.lastHeartbeatTime === undefined) return false
  if (node.spec?.taints?.some((t) => t.key === notReadyTaint)) return false
  // Heartbeats have whole seconds; the kubelet's start is taken a second early for it.
  return Date.parse(ready.lastHeartbeatTime) >= since.getTime() - 1000
}

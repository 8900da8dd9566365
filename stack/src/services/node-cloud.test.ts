import { describe, expect, test } from 'vitest'
import { cloudPatches, type NodeView, nodeReady, uninitializedTaint } from './node-cloud.ts'

const registered: NodeView = {
  metadata: { resourceVersion: '41' },
  spec: {
    taints: [
      { key: uninitializedTaint, value: 'true', effect: 'NoSchedule' },
      { key: 'example.com/kept', effect: 'NoExecute' },
    ],
  },
  status: { addresses: [{ type: 'Hostname', address: 'fjord-node' }] },
}

describe('the stack as the node cloud controller', () => {
  test('sets 127.0.0.1 and the hostname, and drops only the uninitialised taint, at the version read', () => {
    expect(cloudPatches(registered, 'fjord-node')).toEqual({
      status: {
        metadata: { resourceVersion: '41' },
        status: {
          addresses: [
            { type: 'InternalIP', address: '127.0.0.1' },
            { type: 'Hostname', address: 'fjord-node' },
          ],
        },
      },
      spec: {
        metadata: { resourceVersion: '41' },
        spec: { taints: [{ key: 'example.com/kept', effect: 'NoExecute' }] },
      },
    })
  })

  test('removes the taint list when the uninitialised taint was the only one', () => {
    const node = { ...registered, spec: { taints: [registered.spec?.taints?.[0]] } } as NodeView
    expect(cloudPatches(node, 'fjord-node').spec).toEqual({
      metadata: { resourceVersion: '41' },
      spec: { taints: null },
    })
  })

  test('has nothing to patch on an initialised node', () => {
    const node: NodeView = {
      metadata: { resourceVersion: '42' },
      status: {
        addresses: [
          { type: 'InternalIP', address: '127.0.0.1' },
          { type: 'Hostname', address: 'fjord-node' },
        ],
      },
    }
    expect(cloudPatches(node, 'fjord-node')).toEqual({})
  })
})

describe('node readiness', () => {
  const since = new Date('2026-12-02T10:00:05.400Z')
  const withReady = (status: string, lastHeartbeatTime: string): NodeView => ({
    metadata: {},
    status: { conditions: [{ type: 'Ready', status, lastHeartbeatTime }] },
  })

  test('counts a Ready heartbeat from the kubelet started at that time', () => {
    expect(nodeReady(withReady('True', '2026-12-02T10:00:05Z'), since)).toBe(true)
  })

  test('does not count a Ready status left by a kubelet that ran before', () => {
    expect(nodeReady(withReady('True', '2026-12-02T09:59:50Z'), since)).toBe(false)
  })

  test('does not count a node that is not Ready', () => {
    expect(nodeReady(withReady('False', '2026-12-02T10:00:09Z'), since)).toBe(false)
  })

  test('waits for the not-ready taint to be lifted', () => {
    const node = withReady('True', '2026-12-02T10:00:09Z')
    node.spec = { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule' }] }
    expect(nodeReady(node, since)).toBe(false)
  })
})

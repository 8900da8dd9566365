import { readFile } from 'node:fs/promises'
import { describe, expect, test } from 'vitest'
import { CliError } from '../errors.ts'
import { parseDeclaredFile } from './file.ts'

/** The problems a file is refused with (exit 2), or a failure if it is not refused. */
function problemsOf(text: string): string[] {
  try {
    parseDeclaredFile(text, 'fjord.yaml')
  } catch (error) {
    if (!(error instanceof CliError)) throw error
    expect(error.exitCode).toBe(2)
    expect(error.message).toBe('fjord.yaml is not a valid fjord file')
    return error.details
  }
  throw new Error(`expected the file to be refused:\n${text}`)
}

const full = `
org: acme
clusters:
  - name: main
    region: eu-west-1
    description: the shop
    topics:
      - name: orders
        partitions: 6
        replicationFactor: 3
        config:
          retention.ms: 604800000
          cleanup.policy: compact
          preallocate: true
      - name: clicks
        partitions: 1
    serviceAccounts:
      - name: shop
        acls:
          - resourceType: topic
            name: orders
            operations: [read, write]
          - resourceType: group
            patternType: prefixed
            name: shop-
            operations: [read]
  - name: analytics
    type: dedicated
    provider: aws-msk
`

describe('a declarative file', () => {
  test('reads clusters, topics and service accounts, with the API’s defaults for ACLs only', () => {
    const { file } = parseDeclaredFile(full, 'fjord.yaml')
    expect(file).toEqual({
      org: 'acme',
      clusters: [
        {
          name: 'main',
          region: 'eu-west-1',
          description: 'the shop',
          topics: [
            {
              name: 'orders',
              partitions: 6,
              replicationFactor: 3,
              config: { 'retention.ms': 604800000, 'cleanup.policy': 'compact', preallocate: true },
            },
            { name: 'clicks', partitions: 1, config: {} },
          ],
          serviceAccounts: [
            {
              name: 'shop',
              acls: [
                {
                  resourceType: 'topic',
                  patternType: 'literal',
                  name: 'orders',
                  operations: ['read', 'write'],
                },
                {
                  resourceType: 'group',
                  patternType: 'prefixed',
                  name: 'shop-',
                  operations: ['read'],
                },
              ],
            },
          ],
        },
        {
          name: 'analytics',
          type: 'dedicated',
          provider: 'aws-msk',
          topics: [],
          serviceAccounts: [],
        },
      ],
    })
  })

  test('says on which line each cluster, topic and service account stands', () => {
    const { file, where } = parseDeclaredFile(full, 'fjord.yaml')
    const [main, analytics] = file.clusters
    expect(main && where(main)).toBe('fjord.yaml:4')
    expect(main?.topics[1] && where(main.topics[1])).toBe('fjord.yaml:15')
    expect(main?.serviceAccounts[0] && where(main.serviceAccounts[0])).toBe('fjord.yaml:18')
    expect(analytics && where(analytics)).toBe('fjord.yaml:27')
    expect(where({})).toBe('fjord.yaml')
  })

  test('takes no org, and clusters with nothing in them', () => {
    expect(parseDeclaredFile('clusters: []\n', 'f.yaml').file).toEqual({ clusters: [] })
  })

  test('refuses YAML that does not parse, with the line and column', () => {
    expect(problemsOf('clusters:\n  - name: main\n    topics: [\n')).toEqual([
      expect.stringMatching(/^fjord\.yaml:4:1: /),
    ])
  })

  test('refuses a key given twice', () => {
    expect(problemsOf('clusters:\n  - name: main\n    name: other\n')).toEqual([
      'fjord.yaml:3:5: Map keys must be unique',
    ])
  })

  test('refuses an empty file and one without clusters', () => {
    expect(problemsOf('')).toEqual(['the file is empty: it needs `clusters:`, a list of clusters'])
    expect(problemsOf('org: acme\n')).toEqual(['fjord.yaml:1:1: (file): needs clusters'])
    expect(problemsOf('clusters: main\n')).toEqual([
      'fjord.yaml:1:11: clusters: must be a list (items start with "- ")',
    ])
  })

  test('refuses unknown keys, naming the known ones', () => {
    expect(
      problemsOf('clusters:\n  - name: main\n    topics:\n      - name: a\n        partiton: 3\n'),
    ).toEqual([
      'fjord.yaml:5:9: clusters[main].topics[a]: unknown key partiton; known: name, partitions, replicationFactor, config',
      'fjord.yaml:4:9: clusters[main].topics[a]: needs partitions',
    ])
    expect(problemsOf('orgs: acme\nclusters: []\n')).toEqual([
      'fjord.yaml:1:1: (file): unknown key orgs; known: org, clusters',
    ])
  })

  test('refuses a name listed twice in the same list, and names Kafka would confuse', () => {
    const text = `clusters:
  - name: main
    topics:
      - { name: orders, partitions: 1 }
      - { name: orders, partitions: 2 }
      - { name: a.b, partitions: 1 }
      - { name: a_b, partitions: 1 }
    serviceAccounts:
      - name: shop
      - name: shop
  - name: main
`
    expect(problemsOf(text)).toEqual([
      'fjord.yaml:5:9: clusters[main].topics: topic orders is listed twice',
      "fjord.yaml:7:9: clusters[main].topics: topics a.b and a_b would collide ('.' and '_' are one in Kafka metrics)",
      'fjord.yaml:10:9: clusters[main].serviceAccounts: service account shop is listed twice',
      'fjord.yaml:11:5: clusters: cluster main is listed twice',
    ])
  })

  test('refuses values the API would refuse, each with its line', () => {
    const text = `org: Acme
clusters:
  - name: Main
  - name: main
    type: huge
    region: ""
    topics:
      - { name: __consumer, partitions: 1 }
      - { name: orders, partitions: 0 }
      - { name: clicks, partitions: six, replicationFactor: 9 }
      - name: views
        partitions: 1
        config: { retention.ms: [1], segment.ms: }
        `
    expect(problemsOf(text)).toEqual([
      'fjord.yaml:1:6: org: must be lowercase letters, digits and hyphens, starting with a letter, got "Acme"',
      'fjord.yaml:3:11: clusters[Main].name: must be lowercase letters, digits and hyphens, starting with a letter, got "Main"',
      'fjord.yaml:5:11: clusters[main].type: must be one of shared, dedicated',
      'fjord.yaml:6:13: clusters[main].region: must be a non-empty string',
      'fjord.yaml:8:17: clusters[main].topics[__consumer].name: names starting with "__" are reserved for Kafka',
      'fjord.yaml:9:37: clusters[main].topics[orders].partitions: must be a whole number from 1 to 10000',
      'fjord.yaml:10:37: clusters[main].topics[clicks].partitions: must be a whole number from 1 to 10000',
      'fjord.yaml:10:61: clusters[main].topics[clicks].replicationFactor: must be a whole number from 1 to 7',
      'fjord.yaml:13:33: clusters[main].topics[views].config.retention.ms: must be a string, number or boolean',
      'fjord.yaml:13:50: clusters[main].topics[views].config.segment.ms: must be a string, number or boolean',
    ])
  })

  test('refuses ACLs Kafka would not know', () => {
    const text = `clusters:
  - name: main
    serviceAccounts:
      - name: shop
        acls:
          - { resourceType: group, name: shop, operations: [read, write] }
          - { resourceType: table, patternType: glob, name: "a*", operations: [] }
`
    expect(problemsOf(text)).toEqual([
      'fjord.yaml:6:67: clusters[main].serviceAccounts[shop].acls[0].operations[1]: write does not apply to a group; use all, read, describe, delete',
      'fjord.yaml:7:29: clusters[main].serviceAccounts[shop].acls[1].resourceType: must be one of topic, group, transactionalId',
      'fjord.yaml:7:49: clusters[main].serviceAccounts[shop].acls[1].patternType: must be one of literal, prefixed',
      'fjord.yaml:7:61: clusters[main].serviceAccounts[shop].acls[1].name: must be letters, digits, ".", "_" and "-", got "a*"',
      'fjord.yaml:7:79: clusters[main].serviceAccounts[shop].acls[1].operations: needs at least one operation',
    ])
  })

  test('follows YAML anchors and aliases', () => {
    const text = `clusters:
  - name: main
    topics:
      - name: orders
        partitions: 3
        config: &week { retention.ms: 604800000 }
      - { name: refunds, partitions: 1, config: *week }
`
    const topics = parseDeclaredFile(text, 'f.yaml').file.clusters[0]?.topics
    expect(topics?.[1]?.config).toEqual({ 'retention.ms': 604800000 })
  })
})

test('the example file of docs/cli.md is a valid file, shown there whole', async () => {
  const docs = new URL('../../../docs/', import.meta.url)
  const example = await readFile(new URL('fjord.example.yaml', docs), 'utf8')
  const { file } = parseDeclaredFile(example, 'fjord.example.yaml')
  expect(file.clusters.map((cluster) => cluster.topics.length)).toEqual([3])
  expect(await readFile(new URL('cli.md', docs), 'utf8')).toContain(`\`\`\`yaml\n${example}\`\`\``)
})

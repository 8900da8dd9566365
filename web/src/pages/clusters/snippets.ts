// How a client connects to a cluster, in the shapes the API's credentials come in (see the
// ClientConfig schema, and `fjord service-accounts credentials create --format kcat|java|node`):
// SASL/SCRAM-SHA-512, the username and password of a service account's credential.

export const scramMechanism = 'SCRAM-SHA-512'

export interface Connection {
  bootstrapServers: string
  /** Every topic, group and transactional id of the cluster starts with it ('' on dedicated). */
  kafkaPrefix: string
  securityProtocol: 'SASL_PLAINTEXT' | 'SASL_SSL'
  username: string
  password: string
}

export const snippetLanguages = ['kcat', 'java', 'node', 'python'] as const
export type SnippetLanguage = (typeof snippetLanguages)[number]

export const snippetTitles: Record<SnippetLanguage, string> = {
  kcat: 'kcat',
  java: 'Java',
  node: 'Node.js',
  python: 'Python',
}

/** A topic and a group as the client names them in Kafka, with the cluster's prefix. */
const names = (c: Connection) => ({
  topic: `${c.kafkaPrefix}orders`,
  group: `${c.kafkaPrefix}my-app`,
})

const quoted = (value: string) => JSON.stringify(value)

export function snippet(language: SnippetLanguage, c: Connection): string {
  const { topic, group } = names(c)
  switch (language) {
    case 'kcat':
      return [
        '# librdkafka properties: save as fjord.properties',
        `bootstrap.servers=${c.bootstrapServers}`,
        `security.protocol=${c.securityProtocol}`,
        `sasl.mechanisms=${scramMechanism}`,
        `sasl.username=${c.username}`,
        `sasl.password=${c.password}`,
        '',
        '# produce a line, then read the topic from the start',
        `echo 'hello' | kcat -F fjord.properties -P -t ${topic}`,
        `kcat -F fjord.properties -C -t ${topic} -o beginning -e`,
        '',
      ].join('\n')
    case 'java':
      return [
        '# client.properties: for Java clients, and the Kafka CLI (--command-config)',
        `bootstrap.servers=${c.bootstrapServers}`,
        `security.protocol=${c.securityProtocol}`,
        `sasl.mechanism=${scramMechanism}`,
        `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${c.username}" password="${c.password}";`,
        `# topics and consumer groups start with the cluster prefix: ${topic}, ${group}`,
        `group.id=${group}`,
        '',
      ].join('\n')
    case 'node':
      return [
        "import { Producer, stringSerializers } from '@platformatic/kafka'",
        '',
        'const producer = new Producer({',
        "  clientId: 'my-app',",
        `  bootstrapBrokers: ${JSON.stringify(c.bootstrapServers.split(','))},`,
        ...(c.securityProtocol === 'SASL_SSL' ? ['  tls: {},'] : []),
        `  sasl: { mechanism: '${scramMechanism}', username: ${quoted(c.username)}, password: ${quoted(c.password)} },`,
        '  serializers: stringSerializers,',
        '})',
        `await producer.send({ messages: [{ topic: ${quoted(topic)}, key: 'k1', value: 'hello' }] })`,
        'await producer.close()',
        '',
      ].join('\n')
    case 'python':
      return [
        '# pip install confluent-kafka',
        'from confluent_kafka import Producer',
        '',
        'producer = Producer({',
        `    "bootstrap.servers": ${quoted(c.bootstrapServers)},`,
        `    "security.protocol": "${c.securityProtocol}",`,
        `    "sasl.mechanism": "${scramMechanism}",`,
        `    "sasl.username": ${quoted(c.username)},`,
        `    "sasl.password": ${quoted(c.password)},`,
        '})',
        `producer.produce(${quoted(topic)}, key="k1", value="hello")`,
        'producer.flush()',
        '',
      ].join('\n')
  }
}

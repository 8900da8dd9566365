import { Tabs } from 'radix-ui'
import { CopyButton } from '../../ui/copy.tsx'
import type { IssuedCredential } from './queries.ts'

interface Snippet {
  id: string
  label: string
  /** What to do with it, in a line. */
  how: string
  text: string
}

/** The client configurations of an issued credential, as the API gave them, for each client. */
export function snippetsOf(issued: IssuedCredential): Snippet[] {
  const { connection, clientConfig } = issued
  const topic = `${connection.topicPrefix}orders`
  const pythonConfig = [
    ['bootstrap.servers', connection.bootstrapServers ?? '<the cluster is not Ready yet>'],
    ['security.protocol', connection.securityProtocol],
    ['sasl.mechanisms', connection.saslMechanism],
    ['sasl.username', connection.username],
    ['sasl.password', connection.password],
  ]
    .map(([key, value]) => `    ${JSON.stringify(key)}: ${JSON.stringify(value)},`)
    .join('\n')
  return [
    {
      id: 'kcat',
      label: 'kcat',
      how: `Save it as client.properties, then: kcat -F client.properties -C -t ${topic}`,
      text: clientConfig.kcat,
    },
    {
      id: 'java',
      label: 'Java',
      how: 'Client properties for Java clients, and the Kafka CLI (--command-config)',
      text: clientConfig.javaProperties,
    },
    {
      id: 'node',
      label: 'Node',
      how: 'With @platformatic/kafka',
      text: [
        "import { Producer, stringSerializers } from '@platformatic/kafka'",
        '',
        `const connection = ${JSON.stringify(clientConfig.node, null, 2)}`,
        '',
        "const producer = new Producer({ clientId: 'my-app', ...connection, serializers: stringSerializers })",
        `await producer.send({ messages: [{ topic: '${topic}', value: 'hello' }] })`,
        '',
      ].join('\n'),
    },
    {
      id: 'python',
      label: 'Python',
      how: 'With confluent-kafka (pip install confluent-kafka)',
      text: [
        'from confluent_kafka import Producer',
        '',
        'config = {',
        pythonConfig,
        '}',
        'producer = Producer(config)',
        `producer.produce(${JSON.stringify(topic)}, b"hello")`,
        'producer.flush()',
        '',
      ].join('\n'),
    },
  ]
}

/** A tab per client, each with its configuration and a copy button. */
export function ClientConfig({ issued }: { issued: IssuedCredential }) {
  const snippets = snippetsOf(issued)
  return (
    <Tabs.Root defaultValue="kcat" className="sa-config">
      <Tabs.List aria-label="Client configuration" className="sa-config-tabs">
        {snippets.map((snippet) => (
          <Tabs.Trigger key={snippet.id} value={snippet.id}>
            {snippet.label}
          </Tabs.Trigger>
        ))}
      </Tabs.List>
      {snippets.map((snippet) => (
        <Tabs.Content key={snippet.id} value={snippet.id} className="stack sa-config-panel">
          <div className="row sa-spread">
            <span className="muted">{snippet.how}</span>
            <CopyButton text={snippet.text} label={`Copy ${snippet.label} configuration`} />
          </div>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a long line scrolls, and the keyboard must reach it */}
          <pre tabIndex={0} data-testid={`config-${snippet.id}`}>
            {snippet.text}
          </pre>
        </Tabs.Content>
      ))}
    </Tabs.Root>
  )
}

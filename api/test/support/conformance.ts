import type { TestApi } from '@fjord/testing/api'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import ajvFormats from 'ajv-formats'

interface DeclaredResponse {
  description: string
  content?: Record<string, { schema?: object }>
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { responses?: Record<string, DeclaredResponse> }>>
}

const documentId = 'https://fjord.test/openapi.json'
// The document's own fields, and OpenAPI's schema keywords beyond JSON Schema 2020-12,
// are annotations to the validator; everything inside a schema is checked strictly.
const annotations = [
  'openapi',
  'info',
  'servers',
  'paths',
  'webhooks',
  'components',
  'security',
  'tags',
  'jsonSchemaDialect',
  'externalDocs',
  'discriminator',
  'example',
  'xml',
]

/**
 * What the OpenAPI document promises about answers: a status the operation declares, the
 * content type declared for it, and a body that its JSON Schema accepts.
 */
export class Contract {
  readonly #document: OpenApiDocument
  readonly #ajv: Ajv2020
  readonly #validators = new Map<string, ValidateFunction>()
  readonly #templates: { template: string; pattern: RegExp }[]

  constructor(document: OpenApiDocument) {
    this.#document = document
    this.#ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true })
    // A CommonJS module: its plugin is `default` both to Node and to TypeScript.
    ajvFormats.default(this.#ajv)
    this.#ajv.addVocabulary(annotations)
    this.#ajv.addSchema(document, documentId)
    // The most literal template wins: `/quotas/check` before `/quotas/{x}`.
    this.#templates = Object.keys(document.paths)
      .map((template) => ({ template, pattern: patternOf(template) }))
      .sort((a, b) => paramsIn(a.template) - paramsIn(b.template))
  }

  /** How `response` to `method url` breaks the document, or undefined when it keeps it. */
  async breachOf(method: string, url: string, response: Response): Promise<string | undefined> {
    const path = new URL(url, 'http://api').pathname
    const template = this.#templates.find(({ pattern }) => pattern.test(path))?.template
    const operation = template && this.#document.paths[template]?.[method.toLowerCase()]
    if (!template || !operation) return `${method} ${path} is no operation of the document`
    const name = `${method} ${template}`
    const text = await response.clone().text()
    const answered = `${name} answered ${response.status} ${text.slice(0, 500)}`
    const responses = operation.responses ?? {}
    const status = String(response.status)
    const key = [status, `${status[0]}XX`, 'default'].find((candidate) => candidate in responses)
    const declared = key && responses[key]
    if (!key || !declared) {
      return `${answered}\nbut the document declares only ${Object.keys(responses).join(', ')}`
    }
    const mediaTypes = Object.keys(declared.content ?? {})
    if (mediaTypes.length === 0) {
      return text === '' ? undefined : `${answered}\nbut the document declares no body`
    }
    const contentType = response.headers.get('content-type')?.split(';')[0]?.trim() ?? ''
    if (!mediaTypes.includes(contentType)) {
      return `${answered}\nas ${contentType || 'no content type'}, but the document declares ${mediaTypes.join(', ')}`
    }
    const validate = this.#validatorOf(template, method.toLowerCase(), key, contentType)
    // NDJSON streams one value of the schema per line.
    const bodies = contentType.endsWith('ndjson')
      ? text.split('\n').filter((line) => line !== '')
      : [text]
    for (const [i, raw] of bodies.entries()) {
      const body = parsed(raw)
      const which = bodies.length > 1 || contentType.endsWith('ndjson') ? ` (line ${i + 1})` : ''
      if (body === undefined) return `${answered}\nwhich is not the JSON it declares${which}`
      if (!validate(body)) {
        const errors = (validate.errors ?? []).map(
          (error) => `  ${error.instancePath || '/'} ${error.message} (${error.schemaPath})`,
        )
        return `${answered}\nwhich its ${contentType} schema refuses${which}:\n${errors.join('\n')}`
      }
    }
    return undefined
  }

  /** Validates against the schema at paths[template][method].responses[status].content[type]. */
  #validatorOf(template: string, method: string, status: string, mediaType: string) {
    const pointer = ['paths', template, method, 'responses', status, 'content', mediaType, 'schema']
      .map((part) => encodeURIComponent(part.replaceAll('~', '~0').replaceAll('/', '~1')))
      .join('/')
    const ref = `${documentId}#/${pointer}`
    let validate = this.#validators.get(ref)
    if (!validate) {
      validate = this.#ajv.compile({ $ref: ref })
      this.#validators.set(ref, validate)
    }
    return validate
  }
}

/** The same api, but an answer that breaks the document fails the request that got it. */
export function conformingTo(contract: Contract, api: TestApi): TestApi {
  return {
    ...api,
    async request(method, url, options) {
      const response = await api.request(method, url, options)
      const breach = await contract.breachOf(method, url, response)
      if (breach) throw new Error(`The answer breaks /v1/openapi.json: ${breach}`)
      return response
    },
  }
}

function patternOf(template: string): RegExp {
  const segments = template
    .split('/')
    .map((segment) =>
      /^\{\w+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^$()|[\]\\]/g, '\\$&'),
    )
  return new RegExp(`^${segments.join('/')}$`)
}

function paramsIn(template: string): number {
  return template.split('{').length - 1
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

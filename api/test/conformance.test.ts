import { describe, expect, it } from 'vitest'
import { Contract, type OpenApiDocument } from './support/conformance.ts'

// The route matrix checks every answer with Contract; these hold that the check can fail.
const document: OpenApiDocument & Record<string, unknown> = {
  openapi: '3.1.0',
  info: { title: 'A document of one route', version: '1' },
  paths: {
    '/v1/things/{thing}': {
      get: {
        responses: {
          200: {
            description: 'The thing',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } },
          },
          404: {
            description: 'No such thing',
            content: { 'application/problem+json': { schema: { type: 'object' } } },
          },
        },
      },
      delete: { responses: { 202: { description: 'Deletion started' } } },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        properties: { id: { type: 'string', format: 'uuid' }, owner: { type: ['string', 'null'] } },
        required: ['id', 'owner'],
      },
    },
  },
}

const contract = new Contract(document)
const id = '0b3c4c1e-3f1d-4e43-9a55-1b2a3c4d5e6f'
const answer = (status: number, body?: unknown, contentType = 'application/json') =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: body === undefined ? {} : { 'content-type': contentType },
  })

describe('the contract check', () => {
  it('accepts an answer the document declares, with a body its schema accepts', async () => {
    expect(
      await contract.breachOf('GET', '/v1/things/a?x=1', answer(200, { id, owner: null })),
    ).toBeUndefined()
    expect(await contract.breachOf('DELETE', '/v1/things/a', answer(202))).toBeUndefined()
  })

  it('refuses a status the operation does not declare', async () => {
    expect(await contract.breachOf('GET', '/v1/things/a', answer(401, {}))).toMatch(
      /answered 401 .*\n.*declares only 200, 404/,
    )
  })

  it('refuses a body its schema does not accept, through a $ref, and says where', async () => {
    expect(
      await contract.breachOf('GET', '/v1/things/a', answer(200, { id: 'x', owner: 1 })),
    ).toMatch(/\/id must match format "uuid"[\s\S]*\/owner must be string,null/)
  })

  it('refuses a content type or a body the status does not declare', async () => {
    expect(
      await contract.breachOf('GET', '/v1/things/a', answer(404, {}, 'application/json')),
    ).toMatch(/as application\/json, but the document declares application\/problem\+json/)
    expect(await contract.breachOf('DELETE', '/v1/things/a', answer(202, {}))).toMatch(
      /declares no body/,
    )
  })

  it('refuses a call to a path or method the document does not have', async () => {
    expect(await contract.breachOf('PUT', '/v1/things/a', answer(200, {}))).toMatch(
      /PUT \/v1\/things\/a is no operation/,
    )
  })
})

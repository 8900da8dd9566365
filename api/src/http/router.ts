import { OpenAPIHono } from '@hono/zod-openapi'
import { fieldErrorsOf, validationFailed } from '../errors.ts'
import type { AppEnv } from './context.ts'

/** A router whose schema failures become `validation_failed` problems with per-field errors. */
export function newRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        const prefix = result.target === 'json' ? [] : [result.target]
        throw validationFailed(fieldErrorsOf(result.error, prefix))
      }
    },
  })
}

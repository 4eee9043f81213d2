// The OpenAPI document at /api/v1/openapi.json is assembled from what each API route declares here.
import { z } from "zod";

export interface ApiOperation {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** OpenAPI path under /api/v1, e.g. "/courses/{id}". */
  path: string;
  summary: string;
  tag: string;
  body?: z.ZodType;
  /** Status → description of the success response(s). */
  responses: Record<number, string>;
  query?: Record<string, string>;
  /**
   * An endpoint at the site's root rather than under /api/v1 (the LTI endpoints tools call), with its
   * own authentication instead of the API's Bearer token: `path` is then the site path, e.g. "/lti/token".
   */
  siteRoot?: boolean;
  /** A form body (application/x-www-form-urlencoded) instead of a JSON one. */
  formBody?: z.ZodType;
}

const operations: ApiOperation[] = [];

export function addApiOperation(op: ApiOperation): void {
  operations.push(op);
}

export function openApiDocument(publicUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const params = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: { type: m[1]?.endsWith("Id") || m[1] === "id" ? "integer" : "string" },
    }));
    const query = Object.entries(op.query ?? {}).map(([name, description]) => ({
      name,
      in: "query",
      required: false,
      description,
      schema: { type: "string" },
    }));
    const responses: Record<string, unknown> = {};
    for (const [status, description] of Object.entries(op.responses)) responses[status] = { description };
    responses["4XX"] = {
      description: "Error",
      content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
    };
    const entry: Record<string, unknown> = {
      summary: op.summary,
      tags: [op.tag],
      parameters: [...params, ...query],
      responses,
    };
    if (op.body) {
      entry.requestBody = {
        required: true,
        content: {
          "application/json": { schema: z.toJSONSchema(op.body, { io: "input", unrepresentable: "any" }) },
        },
      };
    }
    if (op.formBody) {
      entry.requestBody = {
        required: true,
        content: {
          "application/x-www-form-urlencoded": {
            schema: z.toJSONSchema(op.formBody, { io: "input", unrepresentable: "any" }),
          },
        },
      };
    }
    if (op.siteRoot) {
      entry.servers = [{ url: publicUrl }];
      entry.security = [];
    }
    paths[op.path] = { ...(paths[op.path] ?? {}), [op.method]: entry };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Pluto LMS API", version: "1" },
    servers: [{ url: `${publicUrl}/api/v1` }],
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Error: {
          type: "object",
          properties: {
            error: {
              type: "object",
              properties: { code: { type: "string" }, message: { type: "string" } },
              required: ["code", "message"],
            },
          },
        },
      },
    },
  };
}

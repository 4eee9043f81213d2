// GET /api/v1/openapi.json: the API description assembled from every route's addApiOperation.
// Public, so client generators and tools can read it without a token.
import type { FastifyInstance } from "fastify";
import type { AppContext } from "../../app/context.js";
import { addApiOperation, openApiDocument } from "../../http/openapi.js";

addApiOperation({
  method: "get",
  path: "/openapi.json",
  summary: "This OpenAPI document (no token needed)",
  tag: "meta",
  responses: { 200: "The OpenAPI 3.1 document" },
});

export function registerOpenApiRoute(app: FastifyInstance, ctx: AppContext) {
  app.get("/api/v1/openapi.json", async (_request, reply) =>
    reply.header("cache-control", "no-cache").send(openApiDocument(ctx.config.publicUrl)),
  );
}

// JSON API for accounts: /api/v1/me and /api/v1/users. Never returns password hashes: every
// response goes through userJson(), which names the fields it returns.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { addApiOperation } from "../../http/openapi.js";
import { ForbiddenError, ValidationError } from "../../shared/errors.js";
import { idParam, parseInput } from "../../shared/validation.js";
import { requireApiActor, requireApiSiteAdmin } from "./api-actor.js";
import {
  countUsers,
  createUser,
  findUserByUsername,
  getUser,
  listUsers,
  newUserSchema,
  type User,
  updateUserProfile,
  updateUserSchema,
} from "./users.service.js";

export function userJson(u: User) {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    firstname: u.firstname,
    lastname: u.lastname,
    country: u.country,
    city: u.city,
    timezone: u.timezone,
    lang: u.lang,
    institution: u.institution,
    auth: u.auth,
    suspended: u.suspended,
    siteAdmin: u.siteAdmin,
    createdAt: u.createdAt,
    lastLoginAt: u.lastLoginAt,
  };
}

const createBody = newUserSchema.strict();
const patchBody = updateUserSchema.strict();
/** Fields only a site admin may change. */
const ADMIN_ONLY = ["password", "suspended", "auth"] as const;
const listQuery = z.object({
  username: z.string().trim().toLowerCase().max(100).optional(),
  q: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});
const idParams = z.object({ id: idParam });

addApiOperation({
  method: "get",
  path: "/me",
  summary: "The user the token belongs to",
  tag: "users",
  responses: { 200: "The user" },
});
addApiOperation({
  method: "post",
  path: "/users",
  summary: "Create a user (site admin)",
  tag: "users",
  body: createBody,
  responses: { 201: "The new user" },
});
addApiOperation({
  method: "get",
  path: "/users",
  summary: "List users, or find one by username (site admin)",
  tag: "users",
  query: {
    username: "exact username: the answer is [user] or []",
    q: "search in username, email and names",
    limit: "page size, 1–500 (default 100)",
    offset: "rows to skip (default 0)",
  },
  responses: { 200: "An array of users; the X-Total-Count header holds the number of matches" },
});
addApiOperation({
  method: "get",
  path: "/users/{id}",
  summary: "One user (site admin, or the user themself)",
  tag: "users",
  responses: { 200: "The user" },
});
addApiOperation({
  method: "patch",
  path: "/users/{id}",
  summary: "Change a user's profile; password, auth and suspended only by a site admin",
  tag: "users",
  body: patchBody,
  responses: { 200: "The updated user" },
});

export function registerUserApiRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get("/api/v1/me", async (request) => {
    const actor = requireApiActor(request);
    return userJson(await getUser(ctx.db, actor.id));
  });

  app.post("/api/v1/users", async (request, reply) => {
    const actor = requireApiSiteAdmin(request);
    const input = parseInput(createBody, request.body);
    const user = await createUser(ctx.db, ctx.clock, input);
    request.log.info({ userId: user.id, actorId: actor.id }, "user created");
    return reply.status(201).send(userJson(user));
  });

  app.get("/api/v1/users", async (request, reply) => {
    requireApiSiteAdmin(request);
    const q = parseInput(listQuery, request.query);
    if (q.username !== undefined) {
      const user = await findUserByUsername(ctx.db, q.username);
      reply.header("x-total-count", user ? "1" : "0");
      return user ? [userJson(user)] : [];
    }
    const [users, total] = await Promise.all([
      listUsers(ctx.db, { search: q.q || undefined, limit: q.limit, offset: q.offset }),
      countUsers(ctx.db, q.q || undefined),
    ]);
    reply.header("x-total-count", String(total));
    return users.map(userJson);
  });

  app.get("/api/v1/users/:id", async (request) => {
    const actor = requireApiActor(request);
    const { id } = parseInput(idParams, request.params);
    if (!actor.siteAdmin && actor.id !== id) throw new ForbiddenError("You can only read your own account");
    return userJson(await getUser(ctx.db, id));
  });

  app.patch("/api/v1/users/:id", async (request) => {
    const actor = requireApiActor(request);
    const { id } = parseInput(idParams, request.params);
    if (!actor.siteAdmin && actor.id !== id) throw new ForbiddenError("You can only change your own account");
    const input = parseInput(patchBody, request.body);
    if (!actor.siteAdmin) {
      const field = ADMIN_ONLY.find((k) => input[k] !== undefined);
      if (field) throw new ForbiddenError(`Only site administrators can change ${field}`);
    }
    if (input.suspended && id === actor.id) {
      const message = "You cannot suspend your own account";
      throw new ValidationError(message, [{ field: "suspended", message }]);
    }
    const user = await updateUserProfile(ctx.db, ctx.clock, id, input, { admin: actor.siteAdmin });
    request.log.info({ userId: id, actorId: actor.id }, "user updated");
    return userJson(user);
  });
}

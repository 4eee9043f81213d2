// A user's own account: profile fields, password (the current one is required) and API tokens.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { requireActor } from "../../http/access.js";
import { pageContext, redirectWithFlash } from "../../http/app.js";
import { formProblem, problemStatus } from "../../http/form-problem.js";
import { ConflictError, NotFoundError } from "../../shared/errors.js";
import { idParam, parseInput, requiredText } from "../../shared/validation.js";
import { sendPage } from "../../views/send-page.js";
import { ProfilePage, TokensPage } from "./profile.views.js";
import { PROFILE_FIELDS, submittedValues, userFormValues } from "./profile-fields.js";
import { createApiToken, deleteApiToken, getUser, listApiTokens, updateOwnAccount } from "./users.service.js";

export const MAX_TOKENS_PER_USER = 50;
const formBody = z.record(z.string(), z.unknown());
const tokenForm = z.object({ name: requiredText(100, "Token name") });
const idParams = z.object({ id: idParam });
const ACCOUNT_FIELDS = [...PROFILE_FIELDS, "currentPassword", "newPassword", "confirmPassword"] as const;

export function registerProfileRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get("/profile", async (request, reply) => {
    const actor = requireActor(request);
    const user = await getUser(ctx.db, actor.id);
    const pc = pageContext(ctx, request, reply);
    return sendPage(reply, <ProfilePage pc={pc} user={user} values={userFormValues(user)} />);
  });

  app.post("/profile", async (request, reply) => {
    const actor = requireActor(request);
    const body = parseInput(formBody, request.body);
    const input = Object.fromEntries(ACCOUNT_FIELDS.filter((k) => k in body).map((k) => [k, body[k]]));
    try {
      const { passwordChanged } = await updateOwnAccount(ctx.db, ctx.clock, actor.id, input, {
        keepSession: request.session?.hash,
      });
      if (passwordChanged) request.log.info({ userId: actor.id }, "password changed");
      return redirectWithFlash(
        reply,
        "/profile",
        passwordChanged ? "Profile and password saved." : "Profile saved.",
      );
    } catch (err) {
      const problem = formProblem(err);
      if (!problem) throw err;
      const user = await getUser(ctx.db, actor.id);
      const pc = pageContext(ctx, request, reply);
      const values = submittedValues(body, PROFILE_FIELDS);
      return sendPage(
        reply,
        <ProfilePage pc={pc} user={user} values={values} problem={problem} />,
        problemStatus(problem),
      );
    }
  });

  app.get("/profile/tokens", async (request, reply) => {
    const actor = requireActor(request);
    const tokens = await listApiTokens(ctx.db, actor.id);
    return sendPage(reply, <TokensPage pc={pageContext(ctx, request, reply)} tokens={tokens} />);
  });

  app.post("/profile/tokens", async (request, reply) => {
    const actor = requireActor(request);
    const body = parseInput(formBody, request.body);
    try {
      const { name } = parseInput(tokenForm, body);
      if ((await listApiTokens(ctx.db, actor.id)).length >= MAX_TOKENS_PER_USER) {
        throw new ConflictError(`You already have ${MAX_TOKENS_PER_USER} tokens. Revoke one first.`);
      }
      const { token } = await createApiToken(ctx.db, ctx.clock, actor.id, name);
      request.log.info({ userId: actor.id }, "API token created");
      const tokens = await listApiTokens(ctx.db, actor.id);
      const pc = pageContext(ctx, request, reply);
      return sendPage(reply, <TokensPage pc={pc} tokens={tokens} created={{ name, token }} />);
    } catch (err) {
      const problem = formProblem(err);
      if (!problem) throw err;
      const tokens = await listApiTokens(ctx.db, actor.id);
      const pc = pageContext(ctx, request, reply);
      const name = typeof body.name === "string" ? body.name.slice(0, 300) : "";
      return sendPage(
        reply,
        <TokensPage pc={pc} tokens={tokens} name={name} problem={problem} />,
        problemStatus(problem),
      );
    }
  });

  app.post("/profile/tokens/:id/revoke", async (request, reply) => {
    const actor = requireActor(request);
    const { id } = parseInput(idParams, request.params);
    // Another user's token is "not found": its existence is not revealed.
    if (!(await deleteApiToken(ctx.db, actor.id, id))) throw new NotFoundError("API token");
    request.log.info({ userId: actor.id, tokenId: id }, "API token revoked");
    return redirectWithFlash(reply, "/profile/tokens", "Token revoked.");
  });
}

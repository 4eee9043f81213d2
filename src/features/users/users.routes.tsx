// Site admin: the user list (search, paging), creating users and editing them. Suspending a user
// ends their sessions and stops their API tokens.
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { AppContext } from "../../app/context.js";
import { requireSiteAdmin } from "../../http/access.js";
import { pageContext, redirectWithFlash } from "../../http/app.js";
import { formProblem, problemStatus } from "../../http/form-problem.js";
import { ValidationError } from "../../shared/errors.js";
import { formBool, idParam, parseInput } from "../../shared/validation.js";
import { SITE_ADMINISTRATION } from "../../views/admin-layout.js";
import { pageCount } from "../../views/format.js";
import { addSiteAdminLink } from "../../views/nav.js";
import { sendPage } from "../../views/send-page.js";
import { listQuerySchema } from "../admin/admin.routes.js";
import { PROFILE_FIELDS, submittedValues, userFormValues } from "./profile-fields.js";
import { countUsers, createUser, getUser, listUsers, updateUserProfile } from "./users.service.js";
import { UserFormPage, UsersListPage } from "./users.views.js";

export const USERS_PER_PAGE = 30;
const idParams = z.object({ id: idParam });
const formBody = z.record(z.string(), z.unknown());
const NEW_USER_FIELDS = ["username", "password", "auth", ...PROFILE_FIELDS] as const;
const EDIT_USER_FIELDS = ["password", "auth", ...PROFILE_FIELDS] as const;

function pick(body: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => k in body).map((k) => [k, body[k]]));
}

export function registerUserAdminRoutes(app: FastifyInstance, ctx: AppContext) {
  app.get("/admin/users", async (request, reply) => {
    requireSiteAdmin(request);
    const { q, page } = parseInput(listQuerySchema, request.query);
    const search = q || undefined;
    const [users, total] = await Promise.all([
      listUsers(ctx.db, { search, limit: USERS_PER_PAGE, offset: (page - 1) * USERS_PER_PAGE }),
      countUsers(ctx.db, search),
    ]);
    const pc = pageContext(ctx, request, reply);
    return sendPage(
      reply,
      <UsersListPage
        pc={pc}
        users={users}
        total={total}
        page={page}
        pages={pageCount(total, USERS_PER_PAGE)}
        search={q}
      />,
    );
  });

  app.get("/admin/users/new", async (request, reply) => {
    requireSiteAdmin(request);
    return sendPage(
      reply,
      <UserFormPage pc={pageContext(ctx, request, reply)} values={{ auth: "manual" }} />,
    );
  });

  app.post("/admin/users/new", async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const body = parseInput(formBody, request.body);
    try {
      const user = await createUser(ctx.db, ctx.clock, pick(body, NEW_USER_FIELDS));
      request.log.info({ userId: user.id, actorId: actor.id }, "user created");
      return redirectWithFlash(reply, "/admin/users", `User ${user.username} created.`);
    } catch (err) {
      const problem = formProblem(err);
      if (!problem) throw err;
      const values = submittedValues(body, ["username", "auth", ...PROFILE_FIELDS]);
      const pc = pageContext(ctx, request, reply);
      return sendPage(
        reply,
        <UserFormPage pc={pc} values={values} problem={problem} />,
        problemStatus(problem),
      );
    }
  });

  app.get("/admin/users/:id", async (request, reply) => {
    requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const user = await getUser(ctx.db, id);
    const pc = pageContext(ctx, request, reply);
    return sendPage(
      reply,
      <UserFormPage pc={pc} user={user} values={userFormValues(user)} suspended={user.suspended} />,
    );
  });

  app.post("/admin/users/:id", async (request, reply) => {
    const actor = requireSiteAdmin(request);
    const { id } = parseInput(idParams, request.params);
    const user = await getUser(ctx.db, id);
    const body = parseInput(formBody, request.body);
    try {
      const suspended = parseInput(formBool, body.suspended);
      if (suspended && id === actor.id) {
        const message = "You cannot suspend your own account";
        throw new ValidationError(message, [{ field: "suspended", message }]);
      }
      const input = { ...pick(body, EDIT_USER_FIELDS), suspended };
      const updated = await updateUserProfile(ctx.db, ctx.clock, id, input, { admin: true });
      request.log.info({ userId: id, actorId: actor.id, suspended }, "user updated");
      return redirectWithFlash(reply, "/admin/users", `User ${updated.username} saved.`);
    } catch (err) {
      const problem = formProblem(err);
      if (!problem) throw err;
      const values = { ...submittedValues(body, ["auth", ...PROFILE_FIELDS]), username: user.username };
      const pc = pageContext(ctx, request, reply);
      return sendPage(
        reply,
        <UserFormPage
          pc={pc}
          user={user}
          values={values}
          suspended={body.suspended === "1"}
          problem={problem}
        />,
        problemStatus(problem),
      );
    }
  });
}

/** Links to these pages in the course and site admin menus (called from src/features/index.ts). */
export function registerUsersLinks(): void {
  addSiteAdminLink({
    label: "Users",
    href: "/admin/users",
    group: SITE_ADMINISTRATION,
    order: 10,
    description:
      "Every account on the site: add a new user, search, edit a profile or password, suspend an account.",
  });
}

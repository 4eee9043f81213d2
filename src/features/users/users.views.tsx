// Site admin pages for accounts: the user list and the create/edit form.

import { formatInstant } from "../../shared/time-zone.js";
import { AdminLayout } from "../../views/admin-layout.js";
import { FormProblem, type FormProblemInfo } from "../../views/form-problem.js";
import { Checkbox, Csrf, Fieldset, Select, TextField } from "../../views/forms.js";
import type { PageContext } from "../../views/page-context.js";
import { Pager } from "../../views/pager.js";
import { type FormValues, ProfileFields } from "./profile-fields.js";
import type { User } from "./users.service.js";

export const AUTH_OPTIONS = [
  { value: "manual", label: "Manual accounts (password)" },
  { value: "lti", label: "LTI (launched from another platform)" },
];

export function UsersListPage({
  pc,
  users,
  total,
  page,
  pages,
  search,
}: {
  pc: PageContext;
  users: User[];
  total: number;
  page: number;
  pages: number;
  search: string;
}) {
  return (
    <AdminLayout pc={pc} title="Users">
      <p>
        <a href="/admin/users/new" class="button">
          Add a new user
        </a>
      </p>
      <search>
        <form method="get" action="/admin/users" class="inline-search">
          <label for="user-search">Search users</label>{" "}
          <input id="user-search" type="search" name="q" value={search} maxLength={100} />{" "}
          <button type="submit">Search</button>
        </form>
      </search>
      <p>
        {total} {total === 1 ? "user" : "users"}
        {search ? ` matching “${search}”` : ""}
      </p>
      {users.length > 0 ? (
        <table>
          <caption class="visually-hidden">Users</caption>
          <thead>
            <tr>
              <th scope="col">Username</th>
              <th scope="col">Name</th>
              <th scope="col">Email address</th>
              <th scope="col">Authentication</th>
              <th scope="col">Status</th>
              <th scope="col">Last login</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <th scope="row">
                  <a href={`/admin/users/${u.id}`}>{u.username}</a>
                </th>
                <td>
                  {u.firstname} {u.lastname}
                  {u.siteAdmin ? " (site admin)" : ""}
                </td>
                <td>{u.email}</td>
                <td>{u.auth}</td>
                <td>{u.suspended ? "Suspended" : "Active"}</td>
                <td>{formatInstant(u.lastLoginAt, pc.timeZone)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No users found.</p>
      )}
      <Pager base="/admin/users" page={page} pages={pages} params={{ q: search }} />
    </AdminLayout>
  );
}

export function UserFormPage({
  pc,
  user,
  values,
  suspended,
  problem,
}: {
  pc: PageContext;
  /** Absent when creating a user. */
  user?: User;
  values: FormValues;
  suspended?: boolean;
  problem?: FormProblemInfo;
}) {
  const errors = problem?.fields;
  const title = user ? `Edit user ${user.username}` : "Add a new user";
  return (
    <AdminLayout
      pc={pc}
      title={title}
      crumbs={[{ label: "Users", href: "/admin/users" }, { label: user ? user.username : "New user" }]}
    >
      <form method="post" action={user ? `/admin/users/${user.id}` : "/admin/users/new"} novalidate>
        <Csrf token={pc.csrf} />
        <FormProblem problem={problem} />
        <Fieldset legend="Account">
          {user ? (
            <div class="field">
              <label for="f-username">Username</label>
              <input id="f-username" value={user.username} readOnly aria-describedby="f-username-help" />
              <p class="help" id="f-username-help">
                Usernames cannot be changed.
              </p>
            </div>
          ) : (
            <TextField
              name="username"
              label="Username"
              value={values.username}
              required
              maxLength={100}
              errors={errors}
              autocomplete="off"
              help="Lower-case letters, digits and . _ @ -"
            />
          )}
          <Select
            name="auth"
            label="Authentication method"
            value={values.auth ?? "manual"}
            options={AUTH_OPTIONS}
            errors={errors}
          />
          <TextField
            name="password"
            label={user ? "New password" : "Password"}
            type="password"
            required={!user}
            errors={errors}
            autocomplete="new-password"
            help={
              user
                ? "Leave empty to keep the current password. At least 8 characters."
                : "At least 8 characters."
            }
          />
          {user ? (
            <Checkbox
              name="suspended"
              label="Suspended account"
              checked={suspended}
              help="A suspended user cannot log in or use API tokens; suspending logs them out everywhere."
            />
          ) : null}
        </Fieldset>
        <Fieldset legend="Profile">
          <ProfileFields values={values} errors={errors} siteTimeZone={pc.siteTimeZone} />
        </Fieldset>
        <button type="submit">{user ? "Save changes" : "Create user"}</button>{" "}
        <a href="/admin/users">Cancel</a>
      </form>
    </AdminLayout>
  );
}

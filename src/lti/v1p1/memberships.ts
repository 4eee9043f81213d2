// The LTI 1.1 memberships extension (`basic-lis-readmembershipsforcontext`): a signed form POST to
// ext_ims_lis_memberships_url answered by a `message_response` XML document listing the context's members.
// Not POX and no body hash. Conformance cases 61–65 (shapes as the 1EdTech PHP library and Moodle use them).
import { MessageError, ParameterError, XmlError } from "../errors.js";
import { LTI11_MESSAGE_TYPES, type Lti11Version } from "../vocab/messages.js";
import { parseRoles } from "../vocab/roles.js";
import { type ParamInput, toParamList } from "./oauth-encoding.js";
import { child, children, parseXml, renderXml, textAt, type XmlNode } from "./xml.js";

const MESSAGE_TYPES: readonly string[] = [
  LTI11_MESSAGE_TYPES.readMemberships,
  LTI11_MESSAGE_TYPES.readMembershipsWithGroups,
];

/**
 * The parameters of a memberships request, unsigned: sign them with signRequest (oauth_callback included,
 * case 61) and POST them form-encoded to the memberships URL.
 */
export function buildMembershipsRequestParams(input: {
  id: string;
  version?: Lti11Version;
}): Record<string, string> {
  return {
    lti_message_type: LTI11_MESSAGE_TYPES.readMemberships,
    lti_version: input.version ?? "LTI-1p0",
    id: input.id,
    oauth_callback: "about:blank",
  };
}

/**
 * Reads a (verified) memberships request on the consumer side: the message type must be
 * basic-lis-readmembershipsforcontext (or its "withgroups" variant, whose groups we do not send) and `id`
 * (the ext_ims_lis_memberships_id given at launch) is required.
 */
export function parseMembershipsRequest(input: ParamInput): { id: string; messageType: string } {
  const params = new Map(toParamList(input));
  const type = params.get("lti_message_type");
  if (!type) throw new ParameterError("missing_parameter", "lti_message_type");
  if (!MESSAGE_TYPES.includes(type))
    throw new MessageError("unsupported_message_type", "lti_message_type", type);
  const id = params.get("id");
  if (!id?.trim()) throw new ParameterError("missing_parameter", "id");
  return { id, messageType: type };
}

export interface Member {
  userId: string;
  /** The member's roles, as a list (sent as a comma-separated `roles` element). */
  roles: string[];
  givenName?: string;
  familyName?: string;
  fullName?: string;
  email?: string;
  /** person_sourcedid */
  sourcedId?: string;
  /** lis_result_sourcedid for this member on the link, when grades are accepted. */
  resultSourcedId?: string;
}

const MEMBER_FIELDS = [
  ["givenName", "person_name_given"],
  ["familyName", "person_name_family"],
  ["fullName", "person_name_full"],
  ["email", "person_contact_email_primary"],
  ["sourcedId", "person_sourcedid"],
  ["resultSourcedId", "lis_result_sourcedid"],
] as const;

export interface MembershipsResponseInput {
  members: readonly Member[];
  /** Default "Success" — capitalised, unlike POX (case 62). */
  codeMajor?: "Success" | "Failure";
  description?: string;
}

/** Writes the `message_response` document. Leave out names and emails that privacy settings withhold. */
export function buildMembershipsResponse(input: MembershipsResponseInput): string {
  const codeMajor = input.codeMajor ?? "Success";
  return renderXml({
    name: "message_response",
    children: [
      { name: "lti_message_type", text: LTI11_MESSAGE_TYPES.readMemberships },
      {
        name: "statusinfo",
        children: [
          { name: "codemajor", text: codeMajor },
          { name: "severity", text: codeMajor === "Success" ? "Status" : "Error" },
          { name: "codeminor", text: codeMajor === "Success" ? "fullsuccess" : "failure" },
          input.description !== undefined && { name: "description", text: input.description },
        ],
      },
      codeMajor === "Success" && {
        name: "memberships",
        children: input.members.map(
          (m): XmlNode => ({
            name: "member",
            children: [
              { name: "user_id", text: m.userId },
              { name: "roles", text: m.roles.join(",") },
              ...MEMBER_FIELDS.map(([key, name]) => m[key] !== undefined && { name, text: m[key] }),
            ],
          }),
        ),
      },
    ],
  });
}

export interface ParsedMembershipsResponse {
  /** codemajor "Success" (case-insensitively); anything else is a failure (case 62). */
  success: boolean;
  codeMajor: string;
  description?: string;
  members: Member[];
  /** member elements skipped because they had no user_id. */
  skipped: number;
}

/**
 * Reads a `message_response`. A single member may come unwrapped or wrapped; both read the same (case 63).
 * Errors: the XML ones, and not_a_memberships_response for another document.
 */
export function parseMembershipsResponse(xml: string | Uint8Array): ParsedMembershipsResponse {
  const root = parseXml(xml);
  if (root.name !== "message_response") {
    throw new XmlError(
      "not_a_memberships_response",
      `Not a memberships response: the root is <${root.name}>`,
    );
  }
  const codeMajor = textAt(root, "statusinfo", "codemajor") ?? "";
  const out: ParsedMembershipsResponse = {
    success: codeMajor.toLowerCase() === "success",
    codeMajor,
    members: [],
    skipped: 0,
  };
  const description = textAt(root, "statusinfo", "description");
  if (description !== undefined) out.description = description;
  const memberships = child(root, "memberships");
  for (const el of [...children(memberships, "member"), ...children(root, "member")]) {
    const userId = textAt(el, "user_id");
    if (userId === undefined) {
      out.skipped++;
      continue;
    }
    const member: Member = { userId, roles: parseRoles(textAt(el, "roles")) };
    for (const [key, name] of MEMBER_FIELDS) {
      const v = textAt(el, name);
      if (v !== undefined) member[key] = v;
    }
    out.members.push(member);
  }
  return out;
}

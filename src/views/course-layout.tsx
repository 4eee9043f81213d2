// The frame of every course page: breadcrumbs and the "Course admin" menu beside the content.
import type { ComponentChildren } from "preact";
import type { Capability } from "../features/roles/capabilities.js";
import { type Crumb, Layout } from "./layout.js";
import { courseAdminLinks } from "./nav.js";
import type { PageContext } from "./page-context.js";

export interface CourseRef {
  id: number;
  fullname: string;
  shortname: string;
}

interface Props {
  pc: PageContext;
  course: CourseRef;
  title: string;
  /** Capabilities the viewer holds in this course (decides which admin links show). */
  caps: ReadonlySet<Capability>;
  crumbs?: Crumb[];
  children: ComponentChildren;
}

export function CourseLayout({ pc, course, title, caps, crumbs, children }: Props) {
  const links = courseAdminLinks().filter((l) => caps.has(l.capability));
  const aside =
    links.length > 0 ? (
      <nav aria-labelledby="course-admin-heading" class="course-admin">
        <h2 id="course-admin-heading">Course admin</h2>
        <ul>
          {links.map((l) => (
            <li key={l.label}>
              <a
                href={l.href(course.id)}
                aria-current={pc.url.split("?")[0] === l.href(course.id) ? "page" : undefined}
              >
                {l.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
    ) : undefined;
  return (
    <Layout
      pc={pc}
      title={title}
      aside={pc.embedded ? undefined : aside}
      crumbs={[
        { label: "My courses", href: "/my" },
        { label: course.shortname, href: `/course/${course.id}` },
        ...(crumbs ?? []),
      ]}
    >
      {children}
    </Layout>
  );
}

import type { ComponentChildren } from "preact";
import type { PageContext } from "./page-context.js";

export interface Crumb {
  label: string;
  href?: string;
}

interface LayoutProps {
  pc: PageContext;
  title: string;
  crumbs?: Crumb[];
  /** Secondary navigation (e.g. the course admin menu) beside the content. */
  aside?: ComponentChildren;
  children: ComponentChildren;
}

export function Layout({ pc, title, crumbs, aside, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · ${pc.siteName}`}</title>
        <link rel="stylesheet" href="/static/pluto.css" />
        <script src="/static/pluto.js" defer />
      </head>
      <body class={pc.embedded ? "embedded" : undefined}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        {pc.embedded ? (
          pc.returnUrl || (pc.homeUrl && pc.url !== pc.homeUrl) ? (
            <nav class="return-link" aria-label="Course">
              {pc.homeUrl && pc.url !== pc.homeUrl ? <a href={pc.homeUrl}>Course home</a> : null}
              {pc.returnUrl ? (
                <a href={pc.returnUrl} target="_top">
                  Return to course
                </a>
              ) : null}
            </nav>
          ) : null
        ) : (
          <SiteHeader pc={pc} />
        )}
        <div class="page">
          {!pc.embedded && crumbs && crumbs.length > 0 ? (
            <nav aria-label="Breadcrumb" class="crumbs">
              <ol>
                {crumbs.map((c) => (
                  <li key={c.label}>
                    {c.href ? <a href={c.href}>{c.label}</a> : <span aria-current="page">{c.label}</span>}
                  </li>
                ))}
              </ol>
            </nav>
          ) : null}
          <div class={aside ? "with-aside" : undefined}>
            <main id="main">
              {pc.flash ? (
                <div class="flash" role="status">
                  {pc.flash}
                </div>
              ) : null}
              <h1>{title}</h1>
              {children}
            </main>
            {aside ? <aside>{aside}</aside> : null}
          </div>
        </div>
      </body>
    </html>
  );
}

function SiteHeader({ pc }: { pc: PageContext }) {
  return (
    <header class="site-header">
      <a class="brand" href="/">
        {pc.siteName}
      </a>
      <nav aria-label="Site">
        <ul>
          {pc.actor ? (
            <>
              <li>
                <a href="/my">My courses</a>
              </li>
              {pc.actor.siteAdmin ? (
                <li>
                  <a href="/admin">Site admin</a>
                </li>
              ) : null}
              <li>
                <a href="/profile">
                  {pc.actor.firstname || pc.actor.username} {pc.actor.lastname}
                </a>
              </li>
              <li>
                <form method="post" action="/logout" class="inline">
                  <input type="hidden" name="_csrf" value={pc.csrf} />
                  <button type="submit" class="link">
                    Log out
                  </button>
                </form>
              </li>
            </>
          ) : (
            <li>
              <a href="/login">Log in</a>
            </li>
          )}
        </ul>
      </nav>
    </header>
  );
}

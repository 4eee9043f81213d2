// "Previous / Page n of m / Next" links for paged admin lists; keeps the other query values.

export function Pager({
  base,
  page,
  pages,
  params = {},
}: {
  base: string;
  page: number;
  pages: number;
  params?: Record<string, string>;
}) {
  if (pages <= 1) return null;
  const href = (p: number) => {
    const q = new URLSearchParams({ ...Object.fromEntries(Object.entries(params).filter(([, v]) => v)) });
    if (p > 1) q.set("page", String(p));
    const s = q.toString();
    return s ? `${base}?${s}` : base;
  };
  return (
    <nav aria-label="Pages" class="pager">
      {page > 1 ? (
        <a href={href(page - 1)} rel="prev">
          Previous
        </a>
      ) : null}{" "}
      <span>
        Page {page} of {pages}
      </span>{" "}
      {page < pages ? (
        <a href={href(page + 1)} rel="next">
          Next
        </a>
      ) : null}
    </nav>
  );
}

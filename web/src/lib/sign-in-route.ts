// Where the sign-in page is and where it may send the page back to: the router and the sign-in view
// both need them, and the router loads that view.

/** Where a sign-in may send the page back to: a path of this app, never another site. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' &&
    next.startsWith('/') &&
    !next.startsWith('//') &&
    !next.startsWith('/signin')
    ? next
    : '/wall';
}

/** The sign-in page, coming back to `next` afterwards; a pinned language (?lang=) stays pinned. */
export function signInRoute(next: string, lang: unknown) {
  return { name: 'signin', query: { next, ...(typeof lang === 'string' ? { lang } : {}) } };
}

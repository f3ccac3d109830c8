// Dates as people read them, in their own locale and time zone.

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDate(rfc3339: string): string {
  const date = new Date(rfc3339);
  return Number.isNaN(date.getTime()) ? rfc3339 : dateFormat.format(date);
}

/** "1 post", "12 posts". */
export function countPosts(total: number): string {
  return `${total} ${total === 1 ? 'post' : 'posts'}`;
}

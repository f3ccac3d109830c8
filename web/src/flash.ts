// One-shot messages carried across a navigation ("Your post has been deleted."), shown
// at the top of the next page. Kept in sessionStorage so a full page load shows them too.

export type FlashKind = 'success' | 'info' | 'error';
interface Flash {
  kind: FlashKind;
  text: string;
}

const FLASH_KEY = 'folio.flash';

export function setFlash(kind: FlashKind, text: string): void {
  try {
    sessionStorage.setItem(FLASH_KEY, JSON.stringify({ kind, text } satisfies Flash));
  } catch {
    /* no storage: the message is lost, the navigation still happens */
  }
}

/** The pending message, removed as it is read. */
export function takeFlash(): Flash | null {
  try {
    const raw = sessionStorage.getItem(FLASH_KEY);
    sessionStorage.removeItem(FLASH_KEY);
    return raw ? (JSON.parse(raw) as Flash) : null;
  } catch {
    return null;
  }
}

// Light and dark mode. Without a choice the page follows the system setting (CSS
// prefers-color-scheme); a choice made here is remembered. public/theme-init.js applies
// the remembered choice before the first paint, so there is no flash of the wrong theme.

const THEME_KEY = 'folio.theme';
type Theme = 'light' | 'dark';

function effectiveTheme(): Theme {
  const chosen = document.documentElement.dataset.theme;
  if (chosen === 'light' || chosen === 'dark') return chosen;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function toggleTheme(): Theme {
  const next: Theme = effectiveTheme() === 'dark' ? 'light' : 'dark';
  document.documentElement.dataset.theme = next;
  try {
    localStorage.setItem(THEME_KEY, next);
  } catch {
    /* the choice lasts for this page only */
  }
  return next;
}

export function themeToggleLabel(): string {
  return effectiveTheme() === 'dark' ? 'Switch to light mode' : 'Switch to dark mode';
}

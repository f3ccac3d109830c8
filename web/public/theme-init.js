// Applies the remembered light/dark choice before the first paint (a module script would
// run too late and the page would flash). Kept tiny and external so the CSP needs no
// 'unsafe-inline'.
try {
  var theme = localStorage.getItem('folio.theme');
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
} catch (e) {
  /* storage disabled: follow the system setting */
}

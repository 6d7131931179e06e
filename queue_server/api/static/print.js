/* The printable pages' 打印 Print button: a file of its own, since the CSP runs no inline handler. */
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) window.print();
});

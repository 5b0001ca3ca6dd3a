// The print page's button: shown only where it can work (with JavaScript); the page says how
// to print without it. A file, not an inline handler, so the handbook runs no inline script.
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
});

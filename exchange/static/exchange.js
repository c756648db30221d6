// The pages' few behaviours, bound here rather than in on*= attributes: the
// Content-Security-Policy allows no inline script. Every page works without them.
document.addEventListener("DOMContentLoaded", function () {
  // A select that submits its form when changed (the form keeps a submit button too).
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () {
      select.form.submit();
    });
  });
  // A button that prints the page (the rights certificate).
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  });
});

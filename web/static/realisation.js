// The realisation form: the capaian (realisation ÷ target × 100) shown as the number is typed.
// The server computes the same after a save; without JavaScript the page still works.
document.querySelectorAll("input[data-target][data-capaian]").forEach(function (input) {
  var output = document.getElementById(input.dataset.capaian);
  var target = parseFloat(input.dataset.target);
  var lang = document.documentElement.lang || "id";
  input.addEventListener("input", function () {
    var typed = input.value.trim();
    typed = lang === "id" ? typed.replace(/\./g, "").replace(",", ".") : typed.replace(/,/g, "");
    var value = Number(typed);
    output.textContent = typed === "" || !isFinite(value) || !(target > 0) ? "–"
      : (value / target * 100).toLocaleString(lang, {maximumFractionDigits: 2}) + " %";
  });
});

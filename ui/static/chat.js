// Runs once when the transcript component loads (Gradio's js_on_load: `element`, `watch` are given).
// Citation markers are plain links to #src-<turn>-<n>, the cited sentence in its article's card; this makes
// them also move keyboard focus to that sentence and flash it, and keeps the newest turn in view while its
// answer streams.
element.addEventListener("click", (event) => {
  const link = event.target.closest("a.cite");
  if (!link) return;
  const card = document.getElementById(link.dataset.card);
  if (!card) return;
  event.preventDefault();
  card.scrollIntoView({ behavior: "smooth", block: "nearest" });
  card.focus({ preventScroll: true });
  card.classList.remove("flash");
  void card.offsetWidth; // restart the animation when the same marker is selected twice
  card.classList.add("flash");
  history.replaceState(null, "", "#" + link.dataset.card);
});

let shown = 0;
watch("value", () => {
  const turns = element.querySelectorAll("section.turn");
  if (turns.length > shown) {
    turns[turns.length - 1].scrollIntoView({ behavior: "smooth", block: "start" });
  }
  shown = turns.length;
});

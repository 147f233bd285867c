// Verify buttons: re-read a figure from the chain node through the service and say
// whether it matches the page. The answer's "calls" show the eth_call anyone can repeat.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.verify");
  if (!button) return;
  const ok = document.body.dataset.ok, bad = document.body.dataset.bad;
  button.disabled = true;
  let out = button.nextElementSibling;
  if (!out || !out.classList.contains("verdict")) {
    out = document.createElement("span");
    out.className = "verdict";
    button.after(out);
  }
  try {
    const response = await fetch(button.dataset.url);
    const answer = await response.json();
    if (!response.ok) throw new Error(answer.error ? answer.error.message : response.status);
    out.textContent = (answer.match ? "✓ " + ok : "✗ " + bad) + " @" + answer.block;
    out.dataset.match = answer.match ? "yes" : "no";
    out.title = JSON.stringify(answer.calls);
  } catch (error) {
    out.textContent = "✗ " + error.message;
    out.dataset.match = "no";
  } finally {
    button.disabled = false;
  }
});

// A table wider than the screen scrolls inside its own box (phones): it takes the keyboard's
// focus then, so it can be scrolled without a mouse, and is named by its table's heading.
function focusableScrolling() {
  for (const box of document.querySelectorAll("main table, main .scroll")) {
    const scrolls = box.scrollWidth > box.clientWidth + 1;
    if (scrolls && !box.hasAttribute("tabindex")) {
      box.tabIndex = 0;
      box.dataset.scrollFocus = "yes";
      const heading = box.closest("section, div, main").querySelector("h2, h3");
      if (heading && !box.hasAttribute("aria-label")) {
        if (box.tagName !== "TABLE") box.setAttribute("role", "region");
        box.setAttribute("aria-label", heading.textContent.trim());
      }
    } else if (!scrolls && box.dataset.scrollFocus === "yes") {
      box.removeAttribute("tabindex");
      delete box.dataset.scrollFocus;
    }
  }
}
focusableScrolling();
window.addEventListener("resize", focusableScrolling);

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

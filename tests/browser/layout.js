// The phone page's layout as the browser laid it out, for the tests that check it at a phone's
// width (tests/browser/webkit.py and phone.mjs evaluate this file in the page; the checks are
// tests/interop/lib.sh's page_layout): the viewport's width and height, the document's scroll
// width, the elements that reach past the viewport's left or right edge, and the button's box
// (CSS px) with its text and whether it is the element found at its centre (nothing over it).
(() => {
  const button = document.getElementById("set");
  const box = button.getBoundingClientRect();
  const hit = document.elementFromPoint((box.left + box.right) / 2, (box.top + box.bottom) / 2);
  const outside = [...document.body.querySelectorAll("*")].filter((e) => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && (r.right > innerWidth + 0.5 || r.left < -0.5);
  }).map((e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : ""));
  return {
    width: innerWidth, height: innerHeight, scroll_width: document.documentElement.scrollWidth, outside,
    button: { left: box.left, top: box.top, right: box.right, bottom: box.bottom, text: button.textContent,
              at_centre: hit === button },
  };
})()

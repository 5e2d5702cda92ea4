// A drawn signature on a <canvas>: Pointer Events, so a finger, a pen and a mouse all draw
// (touch-action: none in settle.css keeps the page from scrolling under the finger). The result
// is a PNG data URL with a transparent background, as agreement:sign takes it (at most 100 kB;
// the server checks it is a real PNG). Drawing is optional: the typed name is the signature a
// keyboard user gives.
(function () {
  "use strict";

  window.odrSignaturePad = function (canvas) {
    const ctx = canvas.getContext("2d");
    let drawing = null;  // the pointerId drawing now
    let last = null;
    let strokes = 0;

    function point(event) {
      const box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * (canvas.width / box.width),
        y: (event.clientY - box.top) * (canvas.height / box.height),
      };
    }

    function style() {
      ctx.lineWidth = 3;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#0b1f33";
    }

    function lineTo(p) {
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
    }

    canvas.addEventListener("pointerdown", (event) => {
      if (drawing !== null || (event.pointerType === "mouse" && event.button !== 0)) return;
      event.preventDefault();
      drawing = event.pointerId;
      canvas.setPointerCapture(event.pointerId);
      style();
      last = point(event);
      // A dot for a tap.
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
      strokes += 1;
      canvas.dataset.strokes = String(strokes);
    });

    canvas.addEventListener("pointermove", (event) => {
      if (event.pointerId !== drawing) return;
      event.preventDefault();
      const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
      for (const e of (events.length ? events : [event])) lineTo(point(e));
    });

    function stop(event) {
      if (event.pointerId !== drawing) return;
      drawing = null;
      last = null;
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);

    return {
      clear() {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        strokes = 0;
        canvas.dataset.strokes = "0";
      },
      isEmpty() {
        return strokes === 0;
      },
      toDataURL() {
        return canvas.toDataURL("image/png");
      },
    };
  };
})();

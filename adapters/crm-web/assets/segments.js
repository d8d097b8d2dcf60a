// The segment rule builder: draws the rule of the `#segment-rule` textarea as nested
// groups (all / any / none of) of conditions (field, operator, value) from the catalogue
// the page gives, and writes the rule back as JSON at every change, so that the form's
// live count (htmx) and its submission carry it. Without this script, the JSON is edited
// by hand.
"use strict";

(function () {
  function el(tag, attrs, children) {
    const e = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "text") e.textContent = v;
      else if (v !== undefined && v !== null) e.setAttribute(k, v);
    });
    (children || []).forEach((c) => e.appendChild(c));
    return e;
  }

  function select(options, value, label, cls) {
    const s = el("select", { "aria-label": label, class: cls });
    options.forEach((o) => {
      const opt = el("option", { value: o.code, text: o.label });
      if (o.code === value) opt.selected = true;
      s.appendChild(opt);
    });
    return s;
  }

  function init() {
    const root = document.getElementById("segment-builder");
    const area = document.getElementById("segment-rule");
    if (!root || !area || root.dataset.ready) return;
    root.dataset.ready = "1";
    const cat = JSON.parse(root.dataset.catalogue);
    const W = cat.words;
    const fieldOf = (code) => cat.fields.find((f) => f.code === code) || cat.fields[0];

    // The model: a group {mode, items} or a condition {field, op, value}.
    function fromJson(r) {
      if (r && Array.isArray(r.all)) return { mode: "all", items: r.all.map(fromJson) };
      if (r && Array.isArray(r.any)) return { mode: "any", items: r.any.map(fromJson) };
      if (r && r.not) {
        const inner = fromJson(r.not);
        if (inner.mode === "any") return { mode: "none", items: inner.items };
        return { mode: "none", items: [inner] };
      }
      if (r && r.field) return { field: r.field, op: r.op, value: r.value };
      return { mode: "all", items: [] };
    }
    function toJson(n) {
      if (n.mode === "all") return { all: n.items.map(toJson) };
      if (n.mode === "any") return { any: n.items.map(toJson) };
      if (n.mode === "none") return { not: { any: n.items.map(toJson) } };
      const c = { field: n.field, op: n.op };
      if (n.value !== undefined && n.value !== null && n.value !== "") c.value = n.value;
      return c;
    }
    let model;
    try {
      model = fromJson(JSON.parse(area.value || "{}"));
    } catch (_) {
      model = { mode: "all", items: [] };
    }
    if (!model.mode) model = { mode: "all", items: [model] };

    function newCondition() {
      const f = cat.fields[0];
      return { field: f.code, op: f.ops[0].code, value: "" };
    }

    function valueWidget(n, f) {
      const wrap = el("span", { class: "rule-value" });
      if (n.op === "is_empty" || n.op === "is_not_empty") return wrap;
      const choices = cat.choices[f.kind];
      if (choices) {
        const s = select([{ code: "", label: W.choose }].concat(choices), null, W.value, "rule-value-input");
        if (n.op === "in") {
          s.multiple = true;
          s.querySelector('option[value=""]').remove();
          const vals = Array.isArray(n.value) ? n.value : [];
          Array.from(s.options).forEach((o) => (o.selected = vals.includes(o.value)));
          s.addEventListener("change", () => (n.value = Array.from(s.selectedOptions).map((o) => o.value)));
        } else {
          s.value = typeof n.value === "string" ? n.value : "";
          s.addEventListener("change", () => (n.value = s.value));
        }
        wrap.appendChild(s);
      } else if (f.kind === "int") {
        const i = el("input", { type: "number", step: "1", "aria-label": W.value, class: "rule-value-input", value: n.value === undefined ? "" : n.value });
        i.addEventListener("input", () => (n.value = i.value === "" ? "" : Number(i.value)));
        wrap.appendChild(i);
      } else if (f.kind === "time") {
        const days = n.value && typeof n.value === "object" && "days_ago" in n.value;
        const mode = select([{ code: "days", label: W.days_ago }, { code: "date", label: W.on_date }], days || !n.value ? "days" : "date", W.value, "rule-time-mode");
        const input = el("input", { "aria-label": W.value, class: "rule-value-input" });
        const draw = () => {
          if (mode.value === "days") {
            input.type = "number";
            input.min = "0";
            input.value = days ? n.value.days_ago : "";
          } else {
            input.type = "date";
            input.value = typeof n.value === "string" ? n.value.slice(0, 10) : "";
          }
        };
        const read = () => {
          if (input.value === "") n.value = "";
          else if (mode.value === "days") n.value = { days_ago: Number(input.value) };
          else n.value = `${input.value}T00:00:00Z`;
        };
        draw();
        mode.addEventListener("change", () => {
          input.value = "";
          n.value = "";
          draw();
        });
        input.addEventListener("input", read);
        input.addEventListener("change", read);
        wrap.append(mode, input);
      } else {
        const many = n.op === "in";
        const text = Array.isArray(n.value) ? n.value.join(", ") : n.value || "";
        const i = el("input", { type: "text", "aria-label": W.value, class: "rule-value-input", value: text, placeholder: many ? W.value : "" });
        i.addEventListener("input", () => {
          n.value = many ? i.value.split(",").map((v) => v.trim()).filter((v) => v) : i.value;
        });
        wrap.appendChild(i);
      }
      return wrap;
    }

    function drawCondition(n, parent) {
      const f = fieldOf(n.field);
      const li = el("li", { class: "rule-condition" });
      const field = select(cat.fields.map((x) => ({ code: x.code, label: x.label })), n.field, W.field, "rule-field");
      field.addEventListener("change", () => {
        const nf = fieldOf(field.value);
        n.field = nf.code;
        n.op = nf.ops[0].code;
        n.value = "";
        redraw(false);
      });
      const op = select(f.ops, n.op, W.op, "rule-op");
      op.addEventListener("change", () => {
        const wasMany = n.op === "in";
        n.op = op.value;
        if (wasMany !== (n.op === "in")) n.value = "";
        redraw(false);
      });
      const remove = el("button", { type: "button", class: "secondary small rule-remove", text: W.remove });
      remove.addEventListener("click", () => {
        parent.items.splice(parent.items.indexOf(n), 1);
        redraw(true);
      });
      li.append(field, op, valueWidget(n, f), remove);
      return li;
    }

    function drawGroup(g, parent) {
      const box = el("div", { class: "rule-group", role: "group", "aria-label": W.group });
      const head = el("div", { class: "rule-group-head" });
      const mode = select(
        [
          { code: "all", label: W.all },
          { code: "any", label: W.any },
          { code: "none", label: W.none },
        ],
        g.mode,
        W.group,
        "rule-mode",
      );
      mode.addEventListener("change", () => (g.mode = mode.value));
      head.appendChild(mode);
      if (parent) {
        const remove = el("button", { type: "button", class: "secondary small rule-remove", text: W.remove });
        remove.addEventListener("click", () => {
          parent.items.splice(parent.items.indexOf(g), 1);
          redraw(true);
        });
        head.appendChild(remove);
      }
      const list = el("ul", { class: "rule-items plain" });
      g.items.forEach((n) => list.appendChild(n.mode ? el("li", {}, [drawGroup(n, g)]) : drawCondition(n, g)));
      const addC = el("button", { type: "button", class: "secondary small rule-add-condition", text: W.add_condition });
      addC.addEventListener("click", () => {
        g.items.push(newCondition());
        redraw(true);
      });
      const addG = el("button", { type: "button", class: "secondary small rule-add-group", text: W.add_group });
      addG.addEventListener("click", () => {
        g.items.push({ mode: "any", items: [newCondition()] });
        redraw(true);
      });
      box.append(head, list, el("div", { class: "rule-group-actions" }, [addC, addG]));
      return box;
    }

    function write(announce) {
      area.value = JSON.stringify(toJson(model));
      if (announce) area.dispatchEvent(new Event("change", { bubbles: true }));
    }

    // Draws the model again, the focus kept on the control at the same place (or on the
    // last one after an addition).
    function redraw(announce) {
      const controls = () => Array.from(root.querySelectorAll("select, input, button"));
      const at = controls().indexOf(document.activeElement);
      root.replaceChildren(drawGroup(model, null));
      write(announce);
      if (at >= 0) {
        const now = controls();
        const added = document.activeElement === document.body && announce;
        const target = added ? root.querySelector(".rule-condition:last-child .rule-field") : now[Math.min(at, now.length - 1)];
        if (target) target.focus();
      }
    }

    // A change in the builder: the JSON first, then the event goes on to the form.
    root.addEventListener("input", () => write(false));
    root.addEventListener("change", () => write(false));
    // JSON edited by hand: the builder follows when it reads.
    area.addEventListener("input", () => {
      try {
        const m = fromJson(JSON.parse(area.value));
        model = m.mode ? m : { mode: "all", items: [m] };
        root.replaceChildren(drawGroup(model, null));
      } catch (_) {
        // keep the builder as it is until the JSON reads
      }
    });
    root.replaceChildren(drawGroup(model, null));
    write(false);
  }

  document.addEventListener("DOMContentLoaded", init);
})();

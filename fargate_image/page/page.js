// The model's page: a form built from openapi.json (itself generated from the loaded schema), a prediction,
// and a waterfall chart of the explanation. No dependency; every DOM node is built with createElement and
// textContent (never by parsing HTML strings), so nothing a model schema or an answer holds can inject markup.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";
  // answered / explained: the row (as JSON) the prediction and the chart on screen belong to.
  const state = { parameters: [], task: "regression", unit: "", labels: [], explanation: null,
    answered: null, explained: null };

  function element(tag, attributes = {}, text = "") {
    const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    if (text) node.textContent = text;
    return node;
  }

  function base() {
    const typed = $("api").value.trim().replace(/\/+$/, "");
    return typed || ".";
  }

  function format(value, unit) {
    const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 1 ? 2 : 4;
    const text = value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
    return unit ? `${text} ${unit}` : text;
  }

  async function load() {
    const response = await fetch("openapi.json");
    const spec = await response.json();
    if (!response.ok) throw new Error(spec.error ? spec.error.message : `openapi.json: HTTP ${response.status}`);
    const schemas = spec.components.schemas;
    state.parameters = spec.paths["/predict"].get.parameters;
    state.task = schemas.Health.properties.task.const;
    state.unit = schemas.PredictResponse.properties.unit ? schemas.PredictResponse.properties.unit.const : "";
    const item = schemas.PredictResponse.properties.predictions.items;
    state.labels = item.properties ? item.properties.label.enum : [];
    $("title").textContent = spec.info.title;
    $("description").textContent = spec.info.description;
    buildFields();
  }

  function buildFields() {
    const fields = $("fields");
    fields.replaceChildren();
    for (const parameter of state.parameters) {
      const id = `feature-${parameter.name}`;
      const wrapper = element("div", { class: "field" });
      wrapper.append(element("label", { for: id }, parameter.name));
      const schema = parameter.schema;
      // One range: the one the server accepts (the description says what the value is, in which unit).
      const range = schema.enum ? "" : `; ${schema.minimum ?? "-∞"} to ${schema.maximum ?? "∞"}`;
      const hint = `${parameter.description}${range}${parameter.required ? "" : "; may be left empty"}`;
      wrapper.append(element("span", { class: "hint", id: `${id}-hint` }, hint));
      let input;
      if (schema.enum) {
        input = element("select", { id, name: parameter.name, "aria-describedby": `${id}-hint` });
        if (!parameter.required) input.append(element("option", { value: "" }, "(missing)"));
        for (const category of schema.enum) input.append(element("option", { value: category }, category));
      } else {
        input = element("input", { id, name: parameter.name, type: "number", step: "any", inputmode: "decimal",
          "aria-describedby": `${id}-hint` });
        if (schema.minimum !== undefined) input.min = schema.minimum;
        if (schema.maximum !== undefined) input.max = schema.maximum;
      }
      if (parameter.required) input.required = true;
      input.value = parameter.example === undefined ? "" : String(parameter.example);
      input.dataset.example = input.value;
      wrapper.append(input);
      fields.append(wrapper);
    }
  }

  function row() {
    const values = {};
    for (const parameter of state.parameters) {
      const input = $(`feature-${parameter.name}`);
      input.removeAttribute("aria-invalid");
      const text = input.value.trim();
      if (text === "") values[parameter.name] = null;
      else values[parameter.name] = parameter.schema.enum ? text : Number(text);
    }
    return values;
  }

  async function call(route, values) {
    const response = await fetch(`${base()}/${route}`, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ instances: [values] }),
    });
    const body = await response.json().catch(() => ({ error: { message: `HTTP ${response.status}` } }));
    if (!response.ok) {
      const error = body.error || { message: `HTTP ${response.status}` };
      const input = error.field ? document.getElementById(`feature-${error.field}`) : null;
      if (input) { input.setAttribute("aria-invalid", "true"); input.focus(); }
      // The field once: the server's messages about a feature start with its name.
      const named = !error.field || error.message.startsWith(error.field);
      throw new Error(named ? error.message : `${error.field}: ${error.message}`);
    }
    return body;
  }

  function clearAnswer() {
    state.answered = null;
    $("answer").hidden = true;
    $("prediction").textContent = "";
    $("probabilities").querySelector("tbody").replaceChildren();
  }

  function clearExplanation() {
    state.explanation = state.explained = null;
    $("explanation").hidden = true;
    $("chart").replaceChildren(element("svg:title", { id: "chart-title" }, "Contributions"));
    $("contributions").querySelector("tbody").replaceChildren();
  }

  // A refused row (or a failed call) leaves nothing on screen that could be read as its answer.
  function showError(error) {
    clearAnswer();
    clearExplanation();
    $("error").textContent = error.message;
    $("error").hidden = false;
  }

  async function predict(event) {
    if (event) event.preventDefault();
    $("error").hidden = true;
    try {
      const values = row();
      const answer = await call("predict", values);
      state.answered = JSON.stringify(values);
      if (state.explained !== state.answered) clearExplanation();
      const first = answer.predictions[0];
      const table = $("probabilities");
      const body = table.querySelector("tbody");
      body.replaceChildren();
      if (state.task === "regression") {
        $("prediction").textContent = format(first, state.unit);
        table.hidden = true;
      } else {
        const probability = first.probability === undefined ? "" : ` (probability ${format(first.probability)})`;
        $("prediction").textContent = `${first.label}${probability}`;
        for (const [label, value] of Object.entries(first.probabilities || {})) {
          const line = element("tr");
          line.append(element("td", {}, label), element("td", { class: "number" }, format(value)));
          body.append(line);
        }
        table.hidden = body.children.length === 0;
      }
      $("answer").hidden = false;
    } catch (error) { showError(error); }
  }

  async function explain() {
    $("error").hidden = true;
    try {
      const values = row();
      const answer = await call("explain", values);
      state.explanation = answer;
      state.explained = JSON.stringify(values);
      if (state.answered !== state.explained) clearAnswer();
      const first = answer.explanations[0];
      const select = $("class");
      select.replaceChildren();
      if (first.classes) {
        for (const label of Object.keys(first.classes)) select.append(element("option", { value: label }, label));
        select.value = first.label;
      }
      select.hidden = $("class-label").hidden = !first.classes;
      $("explanation-note").textContent = `Contributions in ${answer.space}: they add up from the bias to the model's output.`;
      draw();
      $("explanation").hidden = false;
    } catch (error) { showError(error); }
  }

  function steps() {
    const first = state.explanation.explanations[0];
    const part = first.classes ? first.classes[$("class").value] : first;
    const contributions = Object.entries(part.contributions).sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
    return { bias: part.bias, contributions };
  }

  function draw() {
    const { bias, contributions } = steps();
    const unit = state.explanation.space === state.unit ? state.unit : "";
    const rows = [["bias (expected value)", bias, "total"]];
    let running = bias;
    const totals = [bias];
    for (const [name, value] of contributions) {
      rows.push([name, value, value >= 0 ? "up" : "down"]);
      running += value;
      totals.push(running);
    }
    rows.push(["prediction", running, "total"]);
    const low = Math.min(0, ...totals), high = Math.max(0, ...totals);
    const width = 760, left = 190, right = 110, barHeight = 20, gap = 6;
    const scale = (x) => left + ((x - low) / (high - low || 1)) * (width - left - right);
    const chart = $("chart");
    chart.replaceChildren(element("svg:title", { id: "chart-title" }, "Waterfall of the contributions"));
    chart.setAttribute("viewBox", `0 0 ${width} ${rows.length * (barHeight + gap) + gap}`);
    const table = $("contributions").querySelector("tbody");
    table.replaceChildren();
    let start = 0;
    rows.forEach(([name, value, kind], index) => {
      const y = gap + index * (barHeight + gap);
      const from = kind === "total" ? 0 : start, to = kind === "total" ? value : start + value;
      const rect = element("svg:rect", { x: Math.min(scale(from), scale(to)), y, height: barHeight,
        width: Math.max(1, Math.abs(scale(to) - scale(from))), class: kind, "data-step": name, "data-value": value });
      rect.append(element("svg:title", {}, `${name}: ${format(value, unit)}`));
      chart.append(element("svg:text", { x: left - 6, y: y + 14, "text-anchor": "end" }, name));
      chart.append(rect);
      chart.append(element("svg:text", { x: Math.max(scale(from), scale(to)) + 4, y: y + 14 },
        (kind === "total" ? "" : value >= 0 ? "+" : "") + format(value, unit)));
      const line = element("tr");
      line.append(element("td", {}, name), element("td", { class: "number" }, format(value, unit)),
        element("td", { class: "number" }, format(kind === "total" ? value : start + value, unit)));
      table.append(line);
      start = kind === "total" && index === 0 ? value : to;
    });
    chart.append(element("svg:line", { x1: scale(0), x2: scale(0), y1: 0, y2: rows.length * (barHeight + gap) + gap }));
  }

  function reset() {
    for (const parameter of state.parameters) {
      const input = $(`feature-${parameter.name}`);
      input.value = input.dataset.example;
      input.removeAttribute("aria-invalid");
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("row").addEventListener("submit", predict);
    $("explain").addEventListener("click", explain);
    $("reset").addEventListener("click", reset);
    $("class").addEventListener("change", draw);
    load().catch(showError);
  });
})();

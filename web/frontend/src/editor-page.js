// The editor page around a bpmn-js or dmn-js modeler: load the current version, import a
// file from another modeler, check it on the server (findings as a list and as markers on
// the elements), deploy it. The page template passes URLs and translated texts as JSON in
// <script id="editor-config"> (with the definition's text), so this file holds no
// user-facing language of its own.

const PROBLEM_MARKER = 'kinerja-problem';

export function startEditorPage(adapter) {
  const config = JSON.parse(document.getElementById('editor-config').textContent);
  const texts = config.texts;
  const status = document.getElementById('editor-status');
  const list = document.getElementById('editor-problems');
  const deployButton = document.getElementById('editor-deploy');
  let marked = [];

  function say(message, kind) {
    status.textContent = message;
    status.className = 'editor-status ' + (kind || '');
  }

  function clearProblems() {
    adapter.unmark(marked);
    marked = [];
    list.replaceChildren();
  }

  // Problems refuse a deploy; warnings (a user task that could hang) do not, and are listed after them.
  function showProblems(problems, warnings = []) {
    clearProblems();
    for (const problem of [...problems, ...warnings]) {
      const item = document.createElement('li');
      if (!problems.includes(problem)) item.classList.add('editor-warning');
      const where = problem.element_id ? problem.element_id + ': ' : '';
      item.textContent = (problem.file ? problem.file + ' — ' : '') + where + problem.message;
      if (problem.element_id && adapter.has(problem.element_id)) {
        item.classList.add('editor-problem-link');
        item.tabIndex = 0;
        item.addEventListener('click', () => adapter.reveal(problem.element_id));
        marked.push(problem.element_id);
      }
      list.append(item);
    }
    adapter.mark(marked);
  }

  async function post(url) {
    const xml = await adapter.saveXML();
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Accept': 'application/json',
                 'X-CSRFToken': config.csrf_token },
      body: JSON.stringify({ filename: config.filename, content: xml }),
      credentials: 'same-origin',
    });
    let body = {};
    try { body = await response.json(); } catch (error) { body = {}; }
    return { response, body };
  }

  function problemsOf(body) {
    if (body.problems) return body.problems;
    const error = body.error || {};
    return Array.isArray(error.details) ? error.details : [{ message: error.message || texts.failed }];
  }

  async function check() {
    say(texts.checking, 'busy');
    const { response, body } = await post(config.check_url);
    if (!response.ok) {
      showProblems(problemsOf(body));
      say(texts.failed, 'error');
      return false;
    }
    const warnings = body.warnings || [];
    showProblems(body.problems, warnings);
    if (body.problems.length) {
      say(texts.has_problems.replace('%(count)s', body.problems.length), 'error');
      return false;
    }
    if (warnings.length) {
      say(texts.has_warnings.replace('%(count)s', warnings.length), 'warning');
      return true;
    }
    say(texts.valid, 'ok');
    return true;
  }

  async function deploy() {
    deployButton.disabled = true;
    try {
      say(texts.deploying, 'busy');
      const { response, body } = await post(config.deploy_url);
      if (!response.ok) {
        showProblems(problemsOf(body));
        say(texts.refused, 'error');
        return;
      }
      clearProblems();
      const message = body.created ? texts.deployed.replace('%(deployment)s', body.deployment_id)
                                   : texts.unchanged;
      say(message, 'ok');
    } finally {
      deployButton.disabled = false;
    }
  }

  async function load(xml) {
    clearProblems();
    try {
      const warnings = await adapter.importXML(xml);
      if (warnings.length) {
        say(texts.import_warnings + ' ' + warnings.map((w) => w.message).join('; '), 'error');
      } else {
        say(texts.loaded, 'ok');
      }
    } catch (error) {
      say(texts.import_failed + ' ' + error.message, 'error');
    }
  }

  document.getElementById('editor-check').addEventListener('click', check);
  deployButton.addEventListener('click', deploy);
  document.getElementById('editor-download').addEventListener('click', async () => {
    const xml = await adapter.saveXML();
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
    link.download = config.filename;
    link.click();
    URL.revokeObjectURL(link.href);
  });
  document.getElementById('editor-import').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    // An imported file is deployed under its own name (a new process, or the one it replaces).
    config.filename = file.name.replace(/\.xml$/i, '.' + config.kind);
    document.getElementById('editor-filename').textContent = config.filename;
    document.getElementById('editor-origin')?.remove();
    await load(await file.text());
  });

  window.kinerjaEditor = { adapter, check, deploy, load };
  return load(config.source);
}

import './styles.css';
import { HttpError, invalidateTraces, loadProject } from './data';
import { h } from './dom';
import { loadInputs, setInputDefs } from './inputs';
import { connectLive } from './live';
import { currentRoute, interceptLinks, onRouteChange } from './router';
import { DashboardView } from './components/dashboard';
import { errorPage, Header, Overlay, projectPage } from './components/pages';
import type { Wrapper } from './types';

const root = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app' }));
const header = new Header();
const overlay = new Overlay();
const content = h('div', { class: 'content' });
root.replaceChildren(header.el, content, overlay.el);
interceptLinks(root);

let wrapper: Wrapper | null = null;
let loadError: { status: number; message: string } | null = null;
let dashboardView: DashboardView | null = null;

function setContent(node: HTMLElement): void {
  dashboardView?.destroy();
  dashboardView = null;
  content.replaceChildren(node);
}

function renderPage(): void {
  const route = currentRoute();
  header.set(route.dashboard, wrapper);
  if (!wrapper) {
    const err = loadError ?? { status: 404, message: 'Project not found.' };
    setContent(errorPage(err.status, err.message));
    return;
  }
  if (route.dashboard === null) {
    setContent(projectPage(wrapper));
    return;
  }
  const dash = (wrapper.project_json.dashboards ?? []).find((d) => d.name === route.dashboard);
  if (!dash) {
    setContent(errorPage(404, `Dashboard with name “${route.dashboard}” not found.`));
    return;
  }
  if (dashboardView && dashboardView.name === dash.name) return;
  const view = new DashboardView(dash);
  setContent(h('main', { class: 'page dashboard-page' }, view.el));
  dashboardView = view;
}

onRouteChange((kind) => {
  if (kind === 'params' && dashboardView) dashboardView.onParams();
  else renderPage();
});

async function fetchProject(): Promise<boolean> {
  try {
    wrapper = await loadProject();
    setInputDefs(wrapper.project_json.inputs);
    loadError = null;
    return true;
  } catch (e) {
    const status = e instanceof HttpError && e.status !== 404 && e.status !== 0 ? 500 : 404;
    const detail = e instanceof HttpError && e.status === 404 ? 'Project not found.' : (e as Error).message;
    loadError = { status, message: detail };
    return false;
  }
}

async function reload(traces: string[] | undefined): Promise<void> {
  invalidateTraces(traces);
  const hadProject = wrapper !== null;
  if (!(await fetchProject()) && hadProject) return; // keep the last good state
  await loadInputs(); // options may have changed with the run
  const route = currentRoute();
  header.set(route.dashboard, wrapper);
  const dash = wrapper?.project_json.dashboards?.find((d) => d.name === route.dashboard);
  if (dashboardView && dash && dashboardView.name === dash.name) {
    dashboardView.update(dash, traces);
  } else {
    dashboardView?.destroy();
    dashboardView = null;
    renderPage();
  }
}

async function boot(): Promise<void> {
  content.replaceChildren(h('div', { class: 'page-loading' }, h('span', { class: 'spinner' })));
  await fetchProject();
  renderPage();
  connectLive({
    reload: (traces) => void reload(traces),
    error: (message) => overlay.show(message),
    ok: () => overlay.hide(),
    connected: (on) => header.setLive(on),
  });
}

void boot();

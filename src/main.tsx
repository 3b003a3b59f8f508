import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.tsx';
import { demoScenario } from './demoScenario.ts';
import { installTestApi } from './testApi.ts';
import './styles.css';

const isolated = window.crossOriginIsolated;

installTestApi({
  version: 1,
  crossOriginIsolated: isolated,
  canonicalLines() {
    const result = demoScenario();
    if (!result.ok) throw new Error(`${result.file}: ${result.error}`);
    return [...result.lines];
  },
});

const rootElement = document.getElementById('root');
if (!rootElement) throw new Error('index.html has no #root element');

createRoot(rootElement).render(
  <StrictMode>
    <App crossOriginIsolated={isolated} scenario={demoScenario()} />
  </StrictMode>,
);

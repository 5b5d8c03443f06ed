import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { AppState } from './state/app.svelte.js';

const app = new AppState();
app.preferences.applyTheme();
mount(App, { target: document.getElementById('app')!, props: { app } });
app.start();

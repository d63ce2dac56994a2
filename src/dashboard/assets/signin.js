// Email and password for a bearer token, kept in sessionStorage (never a cookie, so there is
// no cross-site request to forge); it goes when the tab closes or on "Sign out".

import { signIn, Problem } from './api.js';
import { h, fill, title, problemBox } from './ui.js';

/** Only a path on this site, so a crafted link cannot send someone elsewhere after sign-in. */
function nextPath(query) {
  const next = query.get('next') || '/';
  return next.startsWith('/') && !next.startsWith('//') ? next : '/';
}

export async function render(main, _args, query) {
  title('Sign in');
  const outcome = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'narrow', id: 'sign-in-form' },
    h('div', { class: 'field' }, h('label', { for: 'email', text: 'Email' }), h('input', { id: 'email', name: 'email', type: 'email', autocomplete: 'username', required: true })),
    h('div', { class: 'field' }, h('label', { for: 'password', text: 'Password' }), h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
    h('button', { type: 'submit', text: 'Sign in' }),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    fill(outcome);
    const f = new FormData(form);
    try {
      await signIn(f.get('email'), f.get('password'));
      window.location.assign(nextPath(query));
    } catch (error) {
      fill(outcome, problemBox(error instanceof Problem ? error : { title: 'Error', detail: error.message }));
    }
  });
  fill(main,
    h('h1', { text: 'Sign in' }),
    h('p', { text: 'Analysts sign in to post check-ins and change statuses. Reading needs no account unless this service says otherwise.' }),
    outcome,
    form,
    h('p', { class: 'muted small' }, 'No account yet? An administrator makes one on the server: ',
      h('code', { text: 'policytrack user create --email you@example.org --role analyst --password-stdin' }), '.'));
  return null;
}

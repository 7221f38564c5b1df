// The Inbox's chime for a new session. Browsers keep audio off until the person has interacted with the page, so the
// operator turns it on with a click (remembered in localStorage); after a reload the next click or key lets it play.
// Nothing here throws: a blocked or missing audio device is an answer ('blocked', 'failed'), never an error.
const Key = 'wechatai.inbox.sound';
let context = null;

function isOn() {
    try { return localStorage.getItem(Key) === 'on'; } catch { return false; }
}

// resume() stays pending while the browser blocks audio: wait briefly, then report the context's state.
async function resume() {
    try {
        context ??= new AudioContext();
        if (context.state !== 'running') {
            await Promise.race([context.resume(), new Promise(done => setTimeout(done, 300))]);
        }
        return context.state === 'running';
    } catch {
        return false;
    }
}

export function init() {
    for (const type of ['pointerdown', 'keydown']) {
        document.addEventListener(type, () => { if (isOn()) resume(); }, { capture: true });
    }
    return isOn();
}

export async function enable(on) {
    try { localStorage.setItem(Key, on ? 'on' : 'off'); } catch { /* private mode: on for this page only */ }
    return on ? (await resume() ? 'ready' : 'blocked') : 'off';
}

export async function chime() {
    if (!isOn()) {
        return 'off';
    }

    if (!await resume()) {
        return 'blocked';
    }

    try {
        const now = context.currentTime;
        const gain = context.createGain();
        gain.connect(context.destination);
        gain.gain.setValueAtTime(0.0001, now);
        gain.gain.exponentialRampToValueAtTime(0.2, now + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.6);
        for (const [frequency, at] of [[880, 0], [1320, 0.18]]) {
            const tone = context.createOscillator();
            tone.frequency.value = frequency;
            tone.connect(gain);
            tone.start(now + at);
            tone.stop(now + at + 0.4);
        }
        return 'played';
    } catch {
        return 'failed';
    }
}

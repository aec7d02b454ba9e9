// Registers the account named in the page's query string over WSS and exposes call/dtmf/hangup
// to the test driver. Query: server (wss URL), aor, user, password.
import { SimpleUser } from "./sip.js/lib/platform/web/simple-user/index.js";

const q = new URLSearchParams(location.search);
const state = document.getElementById("state");
const log = (text) => {
  const li = document.createElement("li");
  li.textContent = `${new Date().toISOString().slice(11, 23)} ${text}`;
  document.getElementById("log").appendChild(li);
};
const show = (text) => { state.textContent = text; window.phoneState = text; log(text); };
document.getElementById("aor").textContent = q.get("aor");

const user = new SimpleUser(q.get("server"), {
  aor: q.get("aor"),
  media: { constraints: { audio: true, video: false },
           remote: { audio: document.getElementById("remote") } },
  userAgentOptions: { authorizationUsername: q.get("user"),
                      authorizationPassword: q.get("password") },
  // RFC 4733 on the media path: it works in early media, where the PBX asks for consent.
  sendDTMFUsingSessionDescriptionHandler: true,
  delegate: {
    onCallAnswered: () => show("in call"),
    onCallHangup: () => show("call ended"),
    onRegistered: () => show("registered"),
    onServerDisconnect: (e) => show(`disconnected ${e || ""}`),
  },
});

window.phone = {
  call: (number) => user.call(`sip:${number}@${new URL(q.get("server")).hostname}`,
                              { earlyMedia: true })
    .then(() => log(`calling ${number}`), (e) => show(`call failed: ${e}`)),
  dtmf: (digit) => user.sendDTMF(digit).then(() => log(`sent DTMF ${digit}`),
                                            (e) => log(`DTMF failed: ${e}`)),
  hangup: () => user.hangup().then(() => log("hung up"), (e) => log(`hangup failed: ${e}`)),
};

show("connecting");
user.connect().then(() => user.register()).catch((e) => show(`failed: ${e}`));

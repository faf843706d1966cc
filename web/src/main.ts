import { createApp } from 'vue'
import { createPinia } from 'pinia'
import {
  Button,
  Cell,
  CellGroup,
  Empty,
  Field,
  Form,
  Icon,
  Loading,
  NavBar,
  NoticeBar,
  Popup,
  Search,
  Switch,
  Tab,
  Tabs,
  Tag,
  showToast,
} from 'vant'
import 'vant/lib/index.css'
import './styles/app.css'

import App from './App.vue'
import { i18n } from './i18n'
import { router } from './router'
import { setUnauthorizedListener } from './api/http'
import { usePrefsStore } from './stores/prefs'
import { useSessionStore } from './stores/session'

const app = createApp(App)
const pinia = createPinia()
app.use(pinia).use(i18n).use(router)
for (const c of [Button, Cell, CellGroup, Empty, Field, Form, Icon, Loading, NavBar, NoticeBar, Popup, Search, Switch, Tab, Tabs, Tag]) {
  app.use(c)
}

// language and elderly mode before the first paint
usePrefsStore(pinia).apply()

// a 401 from any call while we think we're logged in: the session expired
setUnauthorizedListener(() => {
  const session = useSessionStore(pinia)
  if (!session.loggedIn) return
  session.clear()
  showToast(i18n.global.t('errors.sessionExpired'))
  const here = router.currentRoute.value
  if (!here.meta.public) router.replace({ name: 'login', query: { redirect: here.fullPath } })
})

router.isReady().then(() => app.mount('#app'))

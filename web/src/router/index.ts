import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { useSessionStore } from '@/stores/session'

declare module 'vue-router' {
  interface RouteMeta {
    /** reachable without logging in */
    public?: boolean
    /** only for people who are logged out (login, register) */
    guestOnly?: boolean
    /** needs a staff/admin role somewhere, or superadmin */
    admin?: boolean
    /** i18n key of the page title */
    title?: string
    /** show the bottom tab bar */
    tabbar?: boolean
  }
}

const routes: RouteRecordRaw[] = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/LoginView.vue'),
    meta: { public: true, guestOnly: true, title: 'auth.loginTitle' },
  },
  {
    path: '/register',
    name: 'register',
    component: () => import('@/views/RegisterView.vue'),
    meta: { public: true, guestOnly: true, title: 'auth.registerTitle' },
  },
  {
    path: '/reset-password',
    name: 'reset-password',
    component: () => import('@/views/ResetPasswordView.vue'),
    meta: { public: true, title: 'auth.resetTitle' },
  },
  { path: '/', name: 'home', component: () => import('@/views/HomeView.vue'), meta: { title: 'nav.home', tabbar: true } },
  {
    path: '/orgs',
    name: 'orgs',
    component: () => import('@/views/OrgsView.vue'),
    meta: { title: 'orgs.title', tabbar: true },
  },
  {
    path: '/orgs/:id',
    name: 'org',
    component: () => import('@/views/OrgsView.vue'),
    meta: { title: 'orgs.title', tabbar: true },
  },
  {
    path: '/profile',
    name: 'profile',
    component: () => import('@/views/ProfileView.vue'),
    meta: { title: 'profile.title', tabbar: true },
  },
  {
    path: '/admin',
    name: 'admin',
    component: () => import('@/views/AdminView.vue'),
    meta: { admin: true, title: 'admin.title', tabbar: true },
  },
  {
    path: '/admin/orgs/:id',
    name: 'admin-org',
    component: () => import('@/views/AdminView.vue'),
    meta: { admin: true, title: 'admin.title', tabbar: true },
  },
  {
    path: '/inbox',
    name: 'inbox',
    component: () => import('@/views/InboxView.vue'),
    meta: { title: 'inbox.title', tabbar: true },
  },
  {
    path: '/cases',
    name: 'cases',
    component: () => import('@/views/cases/CasesView.vue'),
    meta: { title: 'cases.title', tabbar: true },
  },
  {
    path: '/cases/new',
    name: 'case-new',
    component: () => import('@/views/cases/CaseSubmitView.vue'),
    meta: { title: 'cases.newTitle' },
  },
  {
    path: '/cases/:id(\\d+)',
    name: 'case',
    component: () => import('@/views/cases/CaseDetailView.vue'),
    meta: { title: 'cases.detailTitle' },
  },
  {
    path: '/try/attachments',
    name: 'try-attachments',
    component: () => import('@/views/AttachmentsTryView.vue'),
    meta: { title: 'attachments.tryTitle' },
  },
  {
    path: '/ledger',
    name: 'ledger',
    component: () => import('@/views/LedgerView.vue'),
    meta: { public: true, title: 'ledger.title', tabbar: true },
  },
  // the staff console and the department console (views/console)
  {
    path: '/console/deliberations',
    name: 'console-deliberations',
    component: () => import('@/views/console/ConsoleDeliberationsView.vue'),
    meta: { admin: true, title: 'console.list.title', tabbar: true },
  },
  {
    path: '/console/deliberations/:id(\\d+)',
    name: 'console-deliberation',
    component: () => import('@/views/console/ConsoleDeliberationView.vue'),
    meta: { admin: true, title: 'console.detail.title', tabbar: true },
  },
  {
    path: '/console/department',
    name: 'console-department',
    component: () => import('@/views/console/DepartmentConsoleView.vue'),
    meta: { title: 'console.dept.title', tabbar: true },
    beforeEnter: () => {
      const session = useSessionStore()
      return session.me?.memberships.some((m) => m.role === 'responder') ? true : { name: 'home' }
    },
  },
  {
    path: '/deliberations',
    name: 'deliberations',
    component: () => import('@/views/DeliberationListView.vue'),
    meta: { public: true, title: 'delib.listTitle', tabbar: true },
  },
  {
    path: '/deliberations/:id(\\d+)',
    name: 'deliberation',
    component: () => import('@/views/DeliberationPage.vue'),
    meta: { public: true, title: 'delib.listTitle' },
  },
  {
    path: '/me/contributions',
    name: 'my-contributions',
    component: () => import('@/views/MyContributionsView.vue'),
    meta: { title: 'delib.mine' },
  },
  {
    path: '/search',
    name: 'search',
    component: () => import('@/views/SearchView.vue'),
    meta: { public: true, title: 'search.title' },
  },
  {
    path: '/topics',
    name: 'topics',
    component: () => import('@/views/topics/TopicsView.vue'),
    meta: { public: true, title: 'topics.title' },
  },
  {
    path: '/topics/new',
    name: 'topic-new',
    component: () => import('@/views/topics/TopicSubmitView.vue'),
    meta: { title: 'topics.submitTitle' },
  },
  {
    path: '/topics/calls/new',
    name: 'topic-call-new',
    component: () => import('@/views/topics/TopicCallNewView.vue'),
    meta: { title: 'topics.newCall' },
  },
  {
    path: '/topics/screen',
    name: 'topic-screen',
    component: () => import('@/views/topics/TopicScreenView.vue'),
    meta: { title: 'topics.screen.title' },
  },
  {
    path: '/topics/hot',
    name: 'topic-hot',
    component: () => import('@/views/topics/TopicHotspotsView.vue'),
    meta: { public: true, title: 'topics.hot.title' },
  },
  {
    path: '/topics/:id(\\d+)',
    name: 'topic',
    component: () => import('@/views/topics/TopicDetailView.vue'),
    meta: { public: true, title: 'topics.title' },
  },
  {
    path: '/surveys',
    name: 'surveys',
    component: () => import('@/views/surveys/SurveyListView.vue'),
    meta: { public: true, title: 'surveys.list.title' },
  },
  {
    path: '/surveys/new',
    name: 'survey-new',
    component: () => import('@/views/surveys/SurveyBuilderView.vue'),
    meta: { admin: true, title: 'surveys.list.new' },
  },
  {
    path: '/surveys/:id(\\d+)',
    name: 'survey',
    component: () => import('@/views/surveys/SurveyAnswerView.vue'),
    meta: { public: true, title: 'surveys.list.title' },
  },
  {
    path: '/surveys/:id(\\d+)/edit',
    name: 'survey-edit',
    component: () => import('@/views/surveys/SurveyBuilderView.vue'),
    meta: { admin: true, title: 'surveys.builder.settings' },
  },
  {
    path: '/surveys/:id(\\d+)/results',
    name: 'survey-results',
    component: () => import('@/views/surveys/SurveyResultsView.vue'),
    meta: { public: true, title: 'surveys.answer.seeResults' },
  },
  {
    path: '/deliberations/:id(\\d+)/polls',
    name: 'deliberation-polls',
    component: () => import('@/views/surveys/QuickPollView.vue'),
    meta: { public: true, title: 'surveys.poll.title' },
  },
  // meetings (issue 7): views/meetings
  {
    path: '/meetings',
    name: 'meetings',
    component: () => import('@/views/meetings/MeetingsView.vue'),
    meta: { public: true, title: 'meetings.list.title' },
  },
  {
    path: '/meetings/:id(\\d+)',
    name: 'meeting',
    component: () => import('@/views/meetings/MeetingView.vue'),
    meta: { title: 'meetings.page.title' },
  },
  {
    path: '/meetings/:id(\\d+)/watch',
    name: 'meeting-watch',
    component: () => import('@/views/meetings/MeetingWatchView.vue'),
    meta: { public: true, title: 'meetings.watch.title' },
  },
  {
    path: '/meetings/:id(\\d+)/checkin',
    name: 'meeting-checkin',
    component: () => import('@/views/meetings/MeetingCheckinView.vue'),
    meta: { title: 'meetings.checkin.title' },
  },
  {
    path: '/meetings/:id(\\d+)/screen',
    name: 'meeting-screen',
    component: () => import('@/views/meetings/MeetingScreenView.vue'),
    meta: { public: true, title: 'meetings.screen.title' },
  },
  {
    path: '/console/meetings',
    name: 'console-meetings',
    component: () => import('@/views/meetings/console/ConsoleMeetingsView.vue'),
    meta: { admin: true, title: 'meetings.console.listTitle' },
  },
  {
    path: '/console/meetings/:id(\\d+)',
    name: 'console-meeting',
    component: () => import('@/views/meetings/console/ConsoleMeetingView.vue'),
    meta: { title: 'meetings.console.title' },
  },
  {
    path: '/console/meetings/:id(\\d+)/minutes',
    name: 'console-meeting-minutes',
    component: () => import('@/views/meetings/console/MeetingMinutesView.vue'),
    meta: { title: 'meetings.minutes.title' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFoundView.vue'),
    meta: { public: true, title: 'errors.notFound' },
  },
]

export const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
})

router.beforeEach(async (to) => {
  const session = useSessionStore()
  try {
    await session.ensureLoaded()
  } catch {
    /* server unreachable: public pages still work, others go to login */
  }
  if (!to.meta.public && !session.loggedIn) {
    return { name: 'login', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} }
  }
  if (to.meta.guestOnly && session.loggedIn) return { name: 'home' }
  if (to.meta.admin && !session.canAdmin) return { name: 'home' }
  return true
})

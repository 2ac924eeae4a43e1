// UI text in Chinese and English, and locale-aware number, money and date
// formatting. The language is kept in localStorage ("crm.lang"); the
// default is the browser's (zh for any zh-*, else en).
const messages = {
  en: {
    appTitle: 'Customer equity',
    navOverview: 'Overview',
    navCustomers: 'Customers',
    navSegments: 'Segments',
    navLoyalty: 'Loyalty',
    navFeedback: 'Feedback',
    language: 'Language',
    signOut: 'Sign out',
    loginTitle: 'Sign in',
    loginHint: 'Enter your staff API key. It is kept for this browser tab only.',
    apiKey: 'API key',
    signIn: 'Sign in',
    loading: 'Loading…',
    noData: 'No data yet',
    error: 'Error',
    unavailable: 'Not available',
    customersScored: 'Customers scored',
    highValueShare: 'High-value share',
    atRiskCustomers: 'At risk or churned',
    averageClv: 'Average CLV',
    valueTiers: 'Value tiers',
    lifecycle: 'Lifecycle stages',
    rfmHeatmap: 'RFM: recency × frequency (colour: mean monetary score)',
    clvDistribution: 'CLV distribution',
    feedbackSentiment: 'Feedback sentiment by week',
    complaintCategories: 'Complaint categories',
    surveyTrend: 'NPS and CSAT trend',
    surveyTrendHint: 'Open a survey on the Feedback page to follow it here.',
    recency: 'Recency score',
    frequency: 'Frequency score',
    monetary: 'Monetary score',
    customers: 'Customers',
    tier_HIGH: 'High',
    tier_MEDIUM: 'Medium',
    tier_LOW: 'Low',
    tier_VALUE_TIER_UNSPECIFIED: 'Unscored',
    stage_PROSPECT: 'Prospect',
    stage_NEW: 'New',
    stage_ACTIVE: 'Active',
    stage_LOYAL: 'Loyal',
    stage_REACTIVATED: 'Reactivated',
    stage_AT_RISK: 'At risk',
    stage_CHURNED: 'Churned',
    stage_LIFECYCLE_STAGE_UNSPECIFIED: 'Unscored',
    sentiment_POSITIVE: 'Positive',
    sentiment_NEUTRAL: 'Neutral',
    sentiment_NEGATIVE: 'Negative',
    search: 'Search',
    searchLabel: 'Email, phone, customer id, channel:id or a filter',
    searchHint: 'Examples: anna@example.com · +8613800138000 · wechat_openid:oXM1 · tags = "vip"',
    searchNoResult: 'No customer matches.',
    recentCustomers: 'Newest customers',
    name: 'Name',
    email: 'Email',
    phone: 'Phone',
    country: 'Country',
    created: 'Created',
    state: 'State',
    profile: 'Profile',
    scores: 'Scores',
    points: 'Points',
    orders: 'Orders',
    feedback: 'Feedback',
    ledger: 'Points ledger',
    tags: 'Tags',
    identities: 'Identities',
    valueTier: 'Value tier',
    lifecycleStage: 'Lifecycle',
    rfm: 'RFM',
    rfmSegment: 'RFM segment',
    clv: 'CLV',
    pAlive: 'P(alive)',
    expectedPurchases: 'Expected purchases',
    monetaryValue: 'Monetary value',
    balance: 'Balance',
    tier: 'Tier',
    qualifyingPoints: 'Qualifying points',
    orderCount: 'Orders',
    totalSpent: 'Total spent',
    amount: 'Amount',
    refunded: 'Refunded',
    channel: 'Channel',
    time: 'Time',
    type: 'Type',
    rating: 'Rating',
    text: 'Text',
    sentiment: 'Sentiment',
    category: 'Category',
    reason: 'Reason',
    delta: 'Change',
    noAccount: 'No loyalty account yet.',
    noScore: 'Not scored yet.',
    segments: 'Segments',
    rule: 'Rule',
    description: 'Description',
    displayName: 'Name',
    newSegment: 'New segment',
    create: 'Create',
    ruleError: 'The rule is not valid',
    created_ok: 'Created',
    preview: 'Preview',
    previewCount: '{members} of {customers} customers match',
    program: 'Programme',
    tiers: 'Tiers',
    minPoints: 'Qualifying points from',
    multiplier: 'Multiplier',
    earnRates: 'Earn rates',
    earnRate: '{points} points per {amount}',
    expiry: 'Points expiry',
    rewards: 'Rewards',
    pointCost: 'Point cost',
    stock: 'Stock',
    availableUntil: 'Available until',
    rewardStock: 'Rewards: stock',
    accountLookup: 'Account',
    customerId: 'Customer id',
    open: 'Open',
    recentFeedback: 'Latest feedback',
    typeMix: 'Feedback types',
    survey: 'Survey',
    surveyName: 'Survey (surveys/…)',
    showScores: 'Show scores',
    nps: 'NPS',
    csat: 'CSAT %',
    ces: 'CES',
    responses: 'Responses',
    promoters: 'Promoters',
    passives: 'Passives',
    detractors: 'Detractors',
    byChannel: 'By channel',
    last30days: 'Last 30 days',
    anonymous: 'anonymous',
    back: '← Back',
    customer: 'Customer',
    type_COMPLAINT: 'Complaint',
    type_SUGGESTION: 'Suggestion',
    type_PRAISE: 'Praise',
    type_QUESTION: 'Question',
    liveAlerts: 'Live alerts',
    stream_connecting: 'connecting…',
    stream_open: 'live',
    stream_retrying: 'reconnecting…',
    stream_closed: 'not available',
    noOpenAlerts: 'No open alerts',
    alert_COMPLAINT_SPIKE: 'Complaint spike',
    alert_SLA_BREACHED: 'SLA breached',
    alert_KIND_UNSPECIFIED: 'Alert',
    acknowledge: 'Acknowledge',
    ticketQueue: 'Ticket queue',
    ticket: 'Ticket',
    priority: 'Priority',
    slaDue: 'SLA',
    escalation: 'Escalation',
    ticketSummary: '{open} open tickets, {escalated} escalated',
    slaFirstResponse: 'first response',
    slaResolution: 'resolution',
    overdueBy: 'overdue by {time}',
    dueIn: 'due in {time}',
    ticketState_NEW: 'New',
    ticketState_ACKNOWLEDGED: 'Acknowledged',
    ticketState_IN_PROGRESS: 'In progress',
    ticketState_RESOLVED: 'Resolved',
    ticketState_CLOSED: 'Closed',
    ticketState_STATE_UNSPECIFIED: '–',
    ticketState_undefined: '–',
    campaigns: 'Campaigns',
    campaignBudget: 'Campaign budget use (points)',
    pointsAwarded: 'Points awarded',
    budgetLeft: 'Budget left',
    campaignStatus: 'Status',
    campaignRule: 'Bonus',
    period: 'Period',
    budgetUse: 'Budget used',
    ordersRewarded: 'Orders rewarded',
    bonusPerOrder: '+{points} per order',
    allMembers: 'all members',
    campaign_scheduled: 'Scheduled',
    campaign_ended: 'Ended',
    campaign_exhausted: 'Budget used up',
    campaign_running: 'Running',
    role_admin: 'Admin',
    role_agent: 'Service agent',
    role_analyst: 'Analyst',
    role_service: 'Service',
    roleNoPages: 'This key belongs to a machine client: the dashboard has no page for it.',
    roleReadOnlySegments: 'Your role can read segments; creating and previewing them is for analysts and admins.',
    maskedHint: 'Personal data is masked for your role, and searching by email or phone is not available.',
  },
  zh: {
    appTitle: '客户资产',
    navOverview: '总览',
    navCustomers: '客户',
    navSegments: '分群',
    navLoyalty: '会员积分',
    navFeedback: '反馈',
    language: '语言',
    signOut: '退出',
    loginTitle: '登录',
    loginHint: '请输入员工 API 密钥。密钥只保存在当前浏览器标签页中。',
    apiKey: 'API 密钥',
    signIn: '登录',
    loading: '加载中…',
    noData: '暂无数据',
    error: '错误',
    unavailable: '暂不可用',
    customersScored: '已评分客户',
    highValueShare: '高价值客户占比',
    atRiskCustomers: '流失风险或已流失',
    averageClv: '平均客户终身价值',
    valueTiers: '价值等级',
    lifecycle: '生命周期阶段',
    rfmHeatmap: 'RFM：最近购买 × 购买频次（颜色：平均消费评分）',
    clvDistribution: '客户终身价值分布',
    feedbackSentiment: '每周反馈情感',
    complaintCategories: '投诉类别',
    surveyTrend: 'NPS 与 CSAT 趋势',
    surveyTrendHint: '在“反馈”页面打开一个问卷后，此处显示其趋势。',
    recency: '最近购买评分',
    frequency: '购买频次评分',
    monetary: '消费金额评分',
    customers: '客户数',
    tier_HIGH: '高',
    tier_MEDIUM: '中',
    tier_LOW: '低',
    tier_VALUE_TIER_UNSPECIFIED: '未评分',
    stage_PROSPECT: '潜在客户',
    stage_NEW: '新客户',
    stage_ACTIVE: '活跃',
    stage_LOYAL: '忠诚',
    stage_REACTIVATED: '回流',
    stage_AT_RISK: '流失风险',
    stage_CHURNED: '已流失',
    stage_LIFECYCLE_STAGE_UNSPECIFIED: '未评分',
    sentiment_POSITIVE: '正面',
    sentiment_NEUTRAL: '中性',
    sentiment_NEGATIVE: '负面',
    search: '搜索',
    searchLabel: '邮箱、手机号、客户 ID、渠道:ID 或筛选表达式',
    searchHint: '例如：anna@example.com · +8613800138000 · wechat_openid:oXM1 · tags = "vip"',
    searchNoResult: '没有匹配的客户。',
    recentCustomers: '最新客户',
    name: '姓名',
    email: '邮箱',
    phone: '手机号',
    country: '国家/地区',
    created: '创建时间',
    state: '状态',
    profile: '基本资料',
    scores: '评分',
    points: '积分',
    orders: '订单',
    feedback: '反馈',
    ledger: '积分明细',
    tags: '标签',
    identities: '渠道身份',
    valueTier: '价值等级',
    lifecycleStage: '生命周期',
    rfm: 'RFM',
    rfmSegment: 'RFM 分群',
    clv: '终身价值',
    pAlive: '存活概率',
    expectedPurchases: '预期购买次数',
    monetaryValue: '消费金额',
    balance: '积分余额',
    tier: '会员等级',
    qualifyingPoints: '定级积分',
    orderCount: '订单数',
    totalSpent: '累计消费',
    amount: '金额',
    refunded: '已退款',
    channel: '渠道',
    time: '时间',
    type: '类型',
    rating: '评分',
    text: '内容',
    sentiment: '情感',
    category: '类别',
    reason: '原因',
    delta: '变动',
    noAccount: '尚无会员账户。',
    noScore: '尚未评分。',
    segments: '客户分群',
    rule: '规则',
    description: '说明',
    displayName: '名称',
    newSegment: '新建分群',
    create: '创建',
    ruleError: '规则无效',
    created_ok: '已创建',
    preview: '预览',
    previewCount: '{customers} 位客户中有 {members} 位符合',
    program: '会员计划',
    tiers: '会员等级',
    minPoints: '定级积分下限',
    multiplier: '积分倍数',
    earnRates: '积分规则',
    earnRate: '每 {amount} 得 {points} 积分',
    expiry: '积分有效期',
    rewards: '兑换礼品',
    pointCost: '所需积分',
    stock: '库存',
    availableUntil: '截止日期',
    rewardStock: '礼品库存',
    accountLookup: '会员账户',
    customerId: '客户 ID',
    open: '打开',
    recentFeedback: '最新反馈',
    typeMix: '反馈类型',
    survey: '问卷',
    surveyName: '问卷（surveys/…）',
    showScores: '查看得分',
    nps: 'NPS',
    csat: 'CSAT %',
    ces: 'CES',
    responses: '答卷数',
    promoters: '推荐者',
    passives: '中立者',
    detractors: '贬损者',
    byChannel: '按渠道',
    last30days: '最近 30 天',
    anonymous: '匿名',
    back: '← 返回',
    customer: '客户',
    type_COMPLAINT: '投诉',
    type_SUGGESTION: '建议',
    type_PRAISE: '表扬',
    type_QUESTION: '咨询',
    liveAlerts: '实时告警',
    stream_connecting: '连接中…',
    stream_open: '实时',
    stream_retrying: '重新连接中…',
    stream_closed: '不可用',
    noOpenAlerts: '没有未处理的告警',
    alert_COMPLAINT_SPIKE: '投诉激增',
    alert_SLA_BREACHED: 'SLA 超时',
    alert_KIND_UNSPECIFIED: '告警',
    acknowledge: '确认',
    ticketQueue: '工单队列',
    ticket: '工单',
    priority: '优先级',
    slaDue: 'SLA',
    escalation: '升级级别',
    ticketSummary: '未关闭工单 {open} 个，已升级 {escalated} 个',
    slaFirstResponse: '首次响应',
    slaResolution: '解决',
    overdueBy: '已超时 {time}',
    dueIn: '剩余 {time}',
    ticketState_NEW: '新建',
    ticketState_ACKNOWLEDGED: '已受理',
    ticketState_IN_PROGRESS: '处理中',
    ticketState_RESOLVED: '已解决',
    ticketState_CLOSED: '已关闭',
    ticketState_STATE_UNSPECIFIED: '–',
    ticketState_undefined: '–',
    campaigns: '营销活动',
    campaignBudget: '活动预算使用（积分）',
    pointsAwarded: '已发放积分',
    budgetLeft: '剩余预算',
    campaignStatus: '状态',
    campaignRule: '奖励',
    period: '时间',
    budgetUse: '预算使用',
    ordersRewarded: '奖励订单数',
    bonusPerOrder: '每单 +{points}',
    allMembers: '全部会员',
    campaign_scheduled: '未开始',
    campaign_ended: '已结束',
    campaign_exhausted: '预算用完',
    campaign_running: '进行中',
    role_admin: '管理员',
    role_agent: '客服',
    role_analyst: '分析师',
    role_service: '服务',
    roleNoPages: '此密钥属于机器客户端，仪表盘没有对应页面。',
    roleReadOnlySegments: '您的角色可以查看分群；创建和预览分群仅限分析师和管理员。',
    maskedHint: '您的角色看到的个人信息已脱敏，且不能按邮箱或电话搜索。',
  },
};

export const languages = [
  { id: 'zh', label: '中文', locale: 'zh-CN' },
  { id: 'en', label: 'English', locale: 'en-US' },
];

function initialLanguage() {
  const saved = globalThis.localStorage?.getItem('crm.lang');
  if (saved && messages[saved]) return saved;
  const browser = globalThis.navigator?.language || 'en';
  return browser.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

let current = initialLanguage();

export function language() {
  return current;
}

export function locale() {
  return languages.find((l) => l.id === current).locale;
}

export function setLanguage(id) {
  if (!messages[id]) return;
  current = id;
  globalThis.localStorage?.setItem('crm.lang', id);
  if (globalThis.document) document.documentElement.lang = locale();
}

// The text for `key` in the current language ({name} placeholders filled
// from `params`); the key itself when there is none, so a missing text
// shows up instead of vanishing.
export function t(key, params = {}) {
  const text = messages[current][key] ?? messages.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? ''));
}

// Every key of one language exists in the other (checked by the unit test).
export function missingKeys() {
  const en = Object.keys(messages.en);
  const zh = Object.keys(messages.zh);
  return [...en.filter((k) => !(k in messages.zh)), ...zh.filter((k) => !(k in messages.en))];
}

// Intl formatters are costly to build (tens of microseconds to
// milliseconds each): one per locale and options, reused.
const formatters = new Map();
function formatter(kind, options) {
  const key = `${kind}|${locale()}|${JSON.stringify(options)}`;
  let made = formatters.get(key);
  if (!made) {
    made = kind === 'number' ? new Intl.NumberFormat(locale(), options)
      : new Intl.DateTimeFormat(locale(), options);
    formatters.set(key, made);
  }
  return made;
}

// Builds the formatters every page uses (numbers, percentages, the main
// currency, dates) ahead of their first use.
export function warmFormatters() {
  formatNumber(0);
  formatPercent(0);
  formatMoney({ currencyCode: 'CNY', amountMinor: '0' });
  formatDateTime('2026-01-01T00:00:00Z');
  formatDate('2026-01-01T00:00:00Z');
}

export function formatNumber(value, options = {}) {
  if (value === undefined || value === null || Number.isNaN(Number(value))) return '–';
  return formatter('number', options).format(Number(value));
}

export function formatPercent(fraction, digits = 1) {
  return formatNumber(fraction, { style: 'percent', maximumFractionDigits: digits });
}

// A crm.type.v1.Money ({currencyCode, amountMinor}) in the current locale;
// the number of minor digits is the currency's (JPY 0, CNY 2, ...).
export function formatMoney(money) {
  if (!money || !money.currencyCode) return '–';
  const format = formatter('number', { style: 'currency', currency: money.currencyCode });
  const digits = format.resolvedOptions().maximumFractionDigits;
  return format.format(Number(money.amountMinor || 0) / 10 ** digits);
}

export function formatDateTime(timestamp) {
  if (!timestamp) return '–';
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime()) || date.getTime() <= 0) return '–';
  return formatter('date', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(date) + ' UTC';
}

export function formatDate(timestamp) {
  if (!timestamp) return '–';
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime()) || date.getTime() <= 0) return '–';
  return formatter('date', { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

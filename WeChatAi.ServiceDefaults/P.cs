namespace WeChatAi.ServiceDefaults; internal static class P {}

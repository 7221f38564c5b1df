namespace WeChatAi.Core; internal static class P {}

using System.ComponentModel.DataAnnotations;

namespace WeChatAi.Admin.SignIn;

public sealed class SignInInput
{
    [Required(ErrorMessage = "请输入用户名 Enter your name.")]
    [StringLength(64, ErrorMessage = "用户名最多 64 个字符 At most 64 characters.")]
    public string Name { get; set; } = string.Empty;

    [Required(ErrorMessage = "请输入密码 Enter your password.")]
    [StringLength(256, ErrorMessage = "密码最多 256 个字符 At most 256 characters.")]
    public string Password { get; set; } = string.Empty;
}
